import { dirname, resolve } from "./path.ts";
import { deliveryFailed } from "./errors.ts";
import { formatDuration, sleep } from "./time.ts";

/** How long a pass waits for another agent's write to the same directory before it gives up. */
export const SINK_LOCK_WAIT_MS = 30_000;

/** Takes an exclusive flock on an open directory, polling until waitMs has passed. */
async function lockWithin(
  file: Deno.FsFile,
  dir: string,
  waitMs: number,
): Promise<void> {
  const end = Date.now() + waitMs;
  for (
    let delay = 1;
    !(await file.tryLock(true));
    delay = Math.min(delay * 2, 50)
  ) {
    if (Date.now() > end) {
      throw deliveryFailed(
        `${dir} stayed locked by another sync-oauth-token for ${
          formatDuration(waitMs)
        }; its sinks were not written`,
      );
    }
    await sleep(delay);
  }
}

/**
 * Runs fn holding an exclusive flock(2) on the directory of every sink path
 * (each directory once, in sorted order, so two agents cannot deadlock), so
 * two agents pointed at the same files never interleave a read-modify-write.
 * The kernel drops the locks when the process dies, even by kill -9, so a
 * crash never leaves a stale lock; nothing is created in the directories. A
 * directory that does not exist is skipped: there is nothing to interleave.
 */
export async function withSinkLocks<T>(
  paths: string[],
  fn: () => Promise<T>,
  waitMs = SINK_LOCK_WAIT_MS,
): Promise<T> {
  const dirs = [...new Set(paths.map((p) => dirname(resolve(p))))].sort();
  const held: Deno.FsFile[] = [];
  try {
    for (const dir of dirs) {
      let file: Deno.FsFile;
      try {
        file = await Deno.open(dir, { read: true });
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) continue;
        throw err;
      }
      held.push(file);
      await lockWithin(file, dir, waitMs);
    }
    return await fn();
  } finally {
    for (const file of held.reverse()) file.close();
  }
}
