/**
 * Timers on `AbortSignal.timeout`. Deno's `setTimeout` and `setInterval`
 * globals load its Node timer layer on first use (about 5 MiB resident for
 * the rest of the process's life); `AbortSignal.timeout` runs on the same
 * event-loop timers without it. Such a timer keeps the process alive only
 * while its signal has a listener, so cancelling one (removing the listener)
 * also lets the process exit.
 */

/** The longest delay a timer can wait (about 24 days). */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Cancels a pending timer; calling it after the timer fired does nothing. */
export type Cancel = () => void;

/** Runs fn once after ms (clamped to 0 … about 24 days); the result cancels it. */
export function after(ms: number, fn: () => void): Cancel {
  const signal = AbortSignal.timeout(Math.max(0, Math.min(ms, MAX_DELAY_MS)));
  const fire = () => fn();
  signal.addEventListener("abort", fire, { once: true });
  return () => signal.removeEventListener("abort", fire);
}

/** Runs fn every ms until the result is called. */
export function every(ms: number, fn: () => void): Cancel {
  let cancel = after(ms, function tick() {
    fn();
    cancel = after(ms, tick);
  });
  return () => cancel();
}

/** Resolves after ms, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted) return done();
    const cancel = after(ms, done);
    signal?.addEventListener("abort", () => {
      cancel();
      done();
    }, { once: true });
  });
}

/** The promise's outcome, or an Error(message) when it has not settled within ms. */
export async function within<T>(
  promise: Promise<T>,
  ms: number,
  message: string,
): Promise<T> {
  let cancel: Cancel | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        cancel = after(ms, () => reject(new Error(message)));
      }),
    ]);
  } finally {
    cancel?.();
  }
}

/**
 * A time to run fn at that moves: setting a later time keeps the armed timer,
 * which wakes at the earlier time and waits out the rest, so moving it on
 * every pass leaves no cancelled timer pending behind it.
 */
export class Deadline {
  #at = Infinity;
  #armedAt = Infinity;
  #cancel: Cancel | undefined;

  constructor(private readonly fn: () => void) {}

  /** Runs fn at `at` (ms since the epoch) instead of at any earlier setting. */
  set(at: number): void {
    this.#at = at;
    if (at < this.#armedAt) this.#arm();
  }

  /** Cancels it: fn does not run until the next set. */
  clear(): void {
    this.#at = Infinity;
    this.#armedAt = Infinity;
    this.#cancel?.();
  }

  #arm(): void {
    this.#cancel?.();
    this.#armedAt = this.#at;
    this.#cancel = after(this.#at - Date.now(), () => this.#wake());
  }

  #wake(): void {
    this.#armedAt = Infinity;
    if (this.#at > Date.now()) return this.#arm();
    this.#at = Infinity;
    this.fn();
  }
}

/** One-shot timers that can all be cancelled at once, so a stopping process exits promptly. */
export class Timers {
  #pending = new Set<Cancel>();

  /** Runs fn after ms. */
  after(ms: number, fn: () => void): void {
    const cancel = after(ms, () => {
      this.#pending.delete(cancel);
      fn();
    });
    this.#pending.add(cancel);
  }

  /** Cancels every timer. */
  cancelAll(): void {
    for (const cancel of this.#pending) cancel();
    this.#pending.clear();
  }
}
