/** Runs a job on request, never twice at once: requests during a run cause exactly one more run. */
export class Coalescer {
  #running: Promise<void> | undefined;
  #again = false;

  constructor(private readonly job: () => Promise<void>) {}

  /** Asks for a run: starts one now, or marks one more after the current run. */
  request(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop();
  }

  /** Resolves when no run is in progress or owed. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #loop(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.job();
      } while (this.#again);
    } finally {
      this.#running = undefined;
    }
  }
}

/** Capped exponential backoff: the delay before retry number `attempt` (0-based), optionally with full jitter. */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random?: () => number,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return random ? Math.floor(random() * ceiling) : ceiling;
}

/** The id of a pending timer. */
export type TimerId = ReturnType<typeof setTimeout>;

/** One-shot timers that can all be cancelled at once, so a stopping process exits promptly. */
export class Timers {
  #ids = new Set<TimerId>();

  /** Runs fn after ms (at most about 24 days, the longest a timer can wait). Returns the id. */
  after(ms: number, fn: () => void): TimerId {
    const id = setTimeout(() => {
      this.#ids.delete(id);
      fn();
    }, Math.min(ms, 2 ** 31 - 1));
    this.#ids.add(id);
    return id;
  }

  /** Cancels one timer. */
  cancel(id: TimerId | undefined): void {
    if (id === undefined) return;
    clearTimeout(id);
    this.#ids.delete(id);
  }

  /** Cancels every timer. */
  cancelAll(): void {
    for (const id of this.#ids) clearTimeout(id);
    this.#ids.clear();
  }
}

/** Resolves after ms, or at once when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const id = setTimeout(done, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(id);
      done();
    }, { once: true });
  });
}
