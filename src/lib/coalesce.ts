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

  /** Whether a run is in progress or owed. */
  get busy(): boolean {
    return this.#running !== undefined;
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

/** Capped exponential backoff: the delay before retry number `attempt` (0-based), optionally jittered between half the ceiling and the ceiling (never a retry at once). */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random?: () => number,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return random ? Math.floor(ceiling / 2 + random() * ceiling / 2) : ceiling;
}
