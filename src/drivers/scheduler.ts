/**
 * Watch mode's scheduler: decides when to run a pass and when to restart.
 * A change asks for a pass (changes during one cause exactly one more); a
 * restart a pass leaves owed runs once --settle has passed without another;
 * a failed pass or restart is retried with backoff; the login is refreshed
 * ahead of its expiry.
 */
import { backoffDelay, Coalescer } from "../lib/coalesce.ts";
import { messageOf } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import { formatDuration } from "../lib/time.ts";
import type { Login } from "../login/credentials.ts";
import { refreshDueAt, refreshRetryDelay } from "../login/refresh.ts";
import { TransientRefreshError } from "../login/token_endpoint.ts";
import type { PassOutcome } from "../pass/pass.ts";

/** First and largest delay between retries of a failing pass or restart. */
const RETRY_BASE_MS = 1_000;
const RETRY_CAP_MS = 60_000;
/** The longest delay setTimeout takes (about 24 days). */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** What the scheduler runs: a pass (restarting what is owed, or not yet), and a refresh of the login. */
export interface Jobs {
  pass(restart: boolean): Promise<PassOutcome>;
  refresh(login: Login): Promise<void>;
}

/** What the scheduler decides with: the settle time, the refresh window, the agent's record and the log. */
export interface SchedulerOptions {
  settle: number;
  refreshBefore: number;
  lastRefreshAt: () => number | undefined;
  isDead: (login: Login) => boolean;
  log: Logger;
}

/** A timer that can be re-armed and cleared. */
class Timer {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #at = Infinity;

  constructor(private readonly fn: () => void) {}

  /** Runs fn at `at` (ms since the epoch) instead of any earlier setting. */
  set(at: number): void {
    if (at === this.#at) return;
    this.clear();
    this.#at = at;
    this.#timer = setTimeout(() => {
      this.#at = Infinity;
      this.fn();
    }, Math.min(Math.max(0, at - Date.now()), MAX_DELAY_MS));
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#at = Infinity;
  }
}

/** Decides when passes, restarts and refreshes run. */
export class Scheduler {
  #passes: Coalescer;
  #restartDue = false;
  #stopped = false;
  #passFailures = 0;
  #restartFailures = 0;
  #refreshFailures = 0;
  #settle: Timer;
  #retryPass: Timer;
  #retryRestart: Timer;
  #refreshAhead: Timer;
  #refreshing: Login | undefined;

  constructor(
    private readonly jobs: Jobs,
    private readonly options: SchedulerOptions,
  ) {
    this.#passes = new Coalescer(() => this.#pass());
    this.#settle = new Timer(() => this.#restart());
    this.#retryPass = new Timer(() => this.changed());
    this.#retryRestart = new Timer(() => this.#restart());
    this.#refreshAhead = new Timer(() => void this.#refresh());
  }

  /** The source saw a change (or started): a pass runs now, or once more after the one running. */
  changed(): void {
    if (!this.#stopped) this.#passes.request();
  }

  /** Whether a pass is running or owed. */
  get busy(): boolean {
    return this.#passes.busy;
  }

  /** Stops scheduling, then waits for the pass in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (
      const t of [
        this.#settle,
        this.#retryPass,
        this.#retryRestart,
        this.#refreshAhead,
      ]
    ) t.clear();
    await this.#passes.idle();
  }

  /** Asks for a pass that also runs the restarts owed. */
  #restart(): void {
    this.#restartDue = true;
    this.changed();
  }

  async #pass(): Promise<void> {
    if (this.#stopped) return;
    const restart = this.#restartDue;
    this.#restartDue = false;
    const outcome = await this.jobs.pass(restart);
    if (outcome.login) this.#scheduleRefresh(outcome.login);
    if (outcome.sourceError) return;
    const now = Date.now();
    const restarts = outcome.targets.map((t) => t.restart);
    if (restarts.includes("failed")) {
      this.#retryRestart.set(
        now +
          backoffDelay(this.#restartFailures++, RETRY_BASE_MS, RETRY_CAP_MS),
      );
    } else if (restarts.includes("done")) {
      this.#restartFailures = 0;
    }
    if (restarts.includes("owed")) this.#settle.set(now + this.options.settle);
    const failed = outcome.targets.some((t) =>
      t.failures.length > (t.restart === "failed" ? 1 : 0)
    );
    if (!failed) {
      this.#passFailures = 0;
      return;
    }
    const delay = backoffDelay(
      this.#passFailures++,
      RETRY_BASE_MS,
      RETRY_CAP_MS,
    );
    this.options.log.warn("pass failed; retrying", {
      in: formatDuration(delay),
    });
    this.#retryPass.set(now + delay);
  }

  /** Sets the refresh-ahead for a login: when it is due, or after `delay`; never for a login the token endpoint refused. */
  #scheduleRefresh(login: Login, delay?: number): void {
    this.#refreshing = login;
    if (this.options.isDead(login)) return this.#refreshAhead.clear();
    this.#refreshAhead.set(
      delay === undefined
        ? refreshDueAt(
          login,
          this.options.refreshBefore,
          this.options.lastRefreshAt(),
        )
        : Date.now() + delay,
    );
  }

  /** Refresh-ahead: a new token asks for a pass; a transient failure retries; any other stops it until the login changes. */
  async #refresh(): Promise<void> {
    const login = this.#refreshing!;
    try {
      await this.jobs.refresh(login);
      this.#refreshFailures = 0;
      this.changed();
    } catch (err) {
      if (!(err instanceof TransientRefreshError)) {
        this.options.log.error(`refresh-ahead stopped: ${messageOf(err)}`);
        return;
      }
      const retry = refreshRetryDelay(this.#refreshFailures++, err);
      this.options.log.warn(`${err.message}; retrying`, {
        in: formatDuration(retry),
      });
      this.#scheduleRefresh(login, retry);
    }
  }
}
