/**
 * The inotify variant of the credentials source (Deno.watchFs on the file's
 * directory, since writers replace the file by rename): a rename onto the
 * file or a finished write of it is a change. A missing directory is waited
 * for from its nearest existing parent.
 */
import { dirname, resolve } from "../../lib/path.ts";
import type { Logger } from "../../lib/log.ts";
import {
  type FsEvent,
  isDirectoryGone,
  isRelevantEvent,
  mayCreatePath,
} from "./events.ts";
import { signature } from "./polling.ts";

/** Watches a directory; injectable so the source is tested without inotify. */
export type WatchFs = (dir: string) => AsyncIterable<FsEvent> & {
  close(): void;
};

/** The nearest directory at or above path that exists. */
async function nearestExisting(path: string): Promise<string> {
  for (let p = path;; p = dirname(p)) {
    if (await signature(p) !== "absent" || p === dirname(p)) return p;
  }
}

/** Starts watching `dir` now (so no change is missed) and yields its events until the signal aborts or the caller stops. */
function events(
  watchFs: WatchFs,
  dir: string,
  signal: AbortSignal,
): AsyncGenerator<FsEvent> {
  const watcher = watchFs(dir);
  const close = () => watcher.close();
  signal.addEventListener("abort", close, { once: true });
  return (async function* () {
    try {
      yield* watcher;
    } finally {
      signal.removeEventListener("abort", close);
      close();
    }
  })();
}

/**
 * Yields once when the directory is being watched (at the start, and again
 * after it reappeared), then once per change of the file; ends when the
 * signal aborts. Throws when watching is not possible (the caller polls).
 */
export async function* native(
  path: string,
  options: {
    signal: AbortSignal;
    log: Logger;
    watchFs: WatchFs;
    onWatching: () => void;
  },
): AsyncGenerator<void> {
  const { signal, log, watchFs } = options;
  const target = resolve(path);
  const dir = dirname(target);
  let waiting = false;
  while (!signal.aborted) {
    try {
      const parent = await nearestExisting(dir);
      if (parent !== dir) {
        if (!waiting) log.warn(`waiting for ${dir} to appear`);
        waiting = true;
        for await (const e of events(watchFs, parent, signal)) {
          if (mayCreatePath(e, parent, dir) || isDirectoryGone(e, parent)) {
            break;
          }
        }
        continue;
      }
      const watched = events(watchFs, dir, signal);
      if (waiting) log.info(`${dir} appeared; watching it`);
      waiting = false;
      options.onWatching();
      yield;
      for await (const e of watched) {
        if (isDirectoryGone(e, dir)) break;
        if (isRelevantEvent(e, target)) yield;
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue;
      throw err;
    }
  }
}
