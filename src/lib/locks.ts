import { sleep } from "./time.ts";

/** A lock held as a directory made with mkdir (proper-lockfile semantics, as Claude Code uses). */
export interface HeldLock {
  path: string;
  release(): Promise<void>;
}

/** How to take a lock: when a holder counts as gone, how often to retry, how often to touch it. */
export interface LockOptions {
  staleMs: number;
  retries: number;
  retryDelayMs: number;
  touchEveryMs?: number;
  /** Go on without the lock when its directory refuses to create it (read-only, not permitted). */
  optional?: boolean;
}

/** Claude Code's refresh lock: stale after 60 s, touched every 5 s while held. */
export const REFRESH_LOCK: LockOptions = {
  staleMs: 60_000,
  retries: 30,
  retryDelayMs: 1_000,
  touchEveryMs: 5_000,
};

/** Claude Code's storage write lock: stale after 15 s. */
export const WRITE_LOCK: LockOptions = {
  staleMs: 15_000,
  retries: 20,
  retryDelayMs: 250,
};

/** Whether an existing lock directory is older than staleMs (its holder is gone). */
async function isStale(path: string, staleMs: number): Promise<boolean> {
  try {
    const mtime = (await Deno.stat(path)).mtime?.getTime() ?? 0;
    return Date.now() - mtime > staleMs;
  } catch {
    return false;
  }
}

/** Takes a mkdir lock, taking over a stale one; throws after the retries are spent. */
export async function acquireLock(
  path: string,
  options: LockOptions,
): Promise<HeldLock> {
  for (let attempt = 0;; attempt++) {
    try {
      await Deno.mkdir(path);
      break;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) {
        if (options.optional) return { path, release: async () => {} };
        throw err;
      }
      if (await isStale(path, options.staleMs)) {
        await Deno.remove(path, { recursive: true }).catch(() => {});
        continue;
      }
      if (attempt >= options.retries) {
        throw new Error(`${path} is held by another process`);
      }
      await sleep(options.retryDelayMs);
    }
  }
  const touching = options.touchEveryMs
    ? setInterval(() => {
      const now = new Date();
      Deno.utime(path, now, now).catch(() => {});
    }, options.touchEveryMs)
    : undefined;
  return {
    path,
    async release() {
      clearInterval(touching);
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** Runs fn while holding every lock (taken in order, released in reverse on every path out). */
export async function withLocks<T>(
  locks: [string, LockOptions][],
  fn: () => Promise<T>,
): Promise<T> {
  const held: HeldLock[] = [];
  try {
    for (const [path, options] of locks) {
      held.push(await acquireLock(path, options));
    }
    return await fn();
  } finally {
    for (const lock of held.reverse()) await lock.release();
  }
}
