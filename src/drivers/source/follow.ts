/**
 * The credentials source: turns the file's changes into one "changed" each
 * (and one at the start), watching with inotify or, where that is not
 * possible or --poll asks for it, polling. It decides nothing: the scheduler
 * (src/drivers/scheduler.ts) does.
 */
import { resolve } from "../../lib/path.ts";
import { messageOf } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { formatDuration } from "../../lib/time.ts";
import { native, type WatchFs } from "./native.ts";
import { polling } from "./polling.ts";

/** How the credentials are followed. */
export type SourceMode = "watch" | "poll";

/** What following needs: the polling settings, when to stop, the log, who hears the mode, and the watcher (a test may replace it). */
export interface FollowOptions {
  poll: boolean;
  pollInterval: number;
  signal: AbortSignal;
  log: Logger;
  onMode: (mode: SourceMode) => void;
  watchFs?: WatchFs;
}

/** Yields once at the start and once per change of the file, until the signal aborts. */
export async function* follow(
  path: string,
  options: FollowOptions,
): AsyncGenerator<void> {
  const { log, signal } = options;
  const poll = (why: string) => {
    log.warn(
      `polling ${resolve(path)} every ${
        formatDuration(options.pollInterval)
      }: ${why}`,
    );
    options.onMode("poll");
    return polling(path, options.pollInterval, signal);
  };
  if (options.poll) return yield* poll("--poll is set");
  try {
    yield* native(path, {
      signal,
      log,
      watchFs: options.watchFs ??
        ((dir) => Deno.watchFs(dir, { recursive: false })),
      onWatching: () => options.onMode("watch"),
    });
  } catch (err) {
    yield* poll(`watching is not possible (${messageOf(err)})`);
  }
}
