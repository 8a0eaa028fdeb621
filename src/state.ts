/**
 * What the running tool has done, for the processes that ask later: `status`,
 * `doctor`, /metrics and /healthz. A small JSON record (fingerprints, never a
 * token) written atomically after every pass; counters live in memory only.
 */
import { dirname, join } from "./paths.ts";
import { Coalescer } from "./coalesce.ts";
import type { Login } from "./credentials.ts";
import { ExitCode, messageOf, SyncError } from "./errors.ts";
import { readTextIfExists, writeFileAtomic } from "./files.ts";
import { fingerprint, redact } from "./fingerprint.ts";
import type { HookEvent, Hooks } from "./hooks.ts";
import type { Logger } from "./log.ts";
import type { PassOutcome } from "./pass.ts";
import { expiry, timeAgo } from "./time_left.ts";
import { TransientRefreshError } from "./token_endpoint.ts";

/** Why a pass failed: the credentials, a dead login, the token endpoint, a sink, or the gateway recreate. */
export type FailureKind =
  | "source"
  | "login_ended"
  | "refresh"
  | "delivery"
  | "restart";
/** Every failure kind, in the order metrics list them. */
export const FAILURE_KINDS: readonly FailureKind[] = [
  "source",
  "login_ended",
  "refresh",
  "delivery",
  "restart",
];

/** How a long-running tool follows the credentials: watching, polling, or on a timer. */
export type Mode = "watch" | "poll" | "timer";

/** The persisted record. Times are Unix milliseconds; tokens appear only as fingerprints. */
export interface AgentState {
  mode?: Mode;
  token?: { fingerprint: string; refreshToken: string; expiresAt: number };
  lastPass?: { at: number; ok: boolean; kind?: FailureKind; error?: string };
  lastSyncAt?: number;
  lastRefreshAt?: number;
  loginEnded?: { at: number; refreshToken: string; error: string };
}

/** In-process counters for /metrics. */
export interface Counters {
  passes: number;
  recreates: number;
  failures: Record<FailureKind, number>;
}

/** The default state file: beside the credentials file, the one directory the tool always writes (refresh, locks). */
export function defaultStatePath(credentials: string): string {
  return join(dirname(credentials), ".sync-oauth-token-state.json");
}

/** The failure kind of a thrown value; `fallback` when it names none. */
export function failureKind(err: unknown, fallback: FailureKind): FailureKind {
  if (err instanceof TransientRefreshError) return "refresh";
  if (err instanceof SyncError) {
    if (err.exitCode === ExitCode.loginEnded) return "login_ended";
    if (err.exitCode === ExitCode.sourceInvalid) return "source";
  }
  return fallback;
}

/** Whether the state records this refresh token (by fingerprint) as refused by the token endpoint. */
export function isLoginEnded(
  state: AgentState | undefined,
  refreshToken: string,
): boolean {
  return state?.loginEnded?.refreshToken === fingerprint(refreshToken);
}

/** Whether the login the state last saw is the one the token endpoint refused. */
export function currentLoginEnded(state: AgentState): boolean {
  return state.loginEnded !== undefined &&
    state.token?.refreshToken === state.loginEnded.refreshToken;
}

/** /healthz: healthy when the last pass succeeded, the login is alive and the token has not expired. */
export function health(
  state: AgentState,
  now: number,
): { ok: boolean; reason: string } {
  const { lastPass, token, loginEnded } = state;
  if (!lastPass) return { ok: false, reason: "no pass yet" };
  if (loginEnded && currentLoginEnded(state)) {
    return {
      ok: false,
      reason: `login ended (${loginEnded.error}): log in again with \`claude\``,
    };
  }
  if (!lastPass.ok) {
    return {
      ok: false,
      reason: `last pass failed ${timeAgo(lastPass.at, now)} (${
        lastPass.kind ?? "unknown"
      }): ${lastPass.error ?? ""}`,
    };
  }
  if (token && token.expiresAt <= now) {
    return {
      ok: false,
      reason: `token ${token.fingerprint} ${expiry(token.expiresAt, now)}`,
    };
  }
  return {
    ok: true,
    reason: `ok: last pass ${timeAgo(lastPass.at, now)}, token ${
      token ? `${token.fingerprint} ${expiry(token.expiresAt, now)}` : "unknown"
    }`,
  };
}

/** What `status` says about the state: the last pass, and "login ended" while the credentials hold the refused token. */
export function describeState(
  state: AgentState,
  refreshToken: string | undefined,
  now: number,
): { lastPass?: string; loginEnded?: string } {
  const { lastPass, lastRefreshAt, mode, loginEnded } = state;
  const refreshed = lastRefreshAt === undefined
    ? ""
    : `, last refresh ${timeAgo(lastRefreshAt, now)}`;
  return {
    lastPass: lastPass &&
      (lastPass.ok
          ? `ok ${timeAgo(lastPass.at, now)}`
          : `FAILED ${
            timeAgo(lastPass.at, now)
          } (${lastPass.kind}): ${lastPass.error}`) +
        (mode ? ` (${mode})` : "") + refreshed,
    loginEnded: refreshToken !== undefined &&
        isLoginEnded(state, refreshToken)
      ? `login ended: the token endpoint refused refresh token ${
        loginEnded!.refreshToken
      } ${timeAgo(loginEnded!.at, now)}; log in again with \`claude\``
      : undefined,
  };
}

/** The later of two times. */
function later(a?: number, b?: number): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

/** The newer of two records stamped with `at`. */
function newer<T extends { at: number }>(a?: T, b?: T): T | undefined {
  return !a ? b : !b ? a : a.at >= b.at ? a : b;
}

/** Our state merged with the file's, so a watcher and a `refresh --once` beside it keep each other's records. */
export function mergeState(
  disk: AgentState | undefined,
  ours: AgentState,
): AgentState {
  if (!disk) return ours;
  return {
    ...ours,
    lastPass: newer(disk.lastPass, ours.lastPass),
    lastSyncAt: later(disk.lastSyncAt, ours.lastSyncAt),
    lastRefreshAt: later(disk.lastRefreshAt, ours.lastRefreshAt),
    loginEnded: newer(disk.loginEnded, ours.loginEnded),
  };
}

/** Reads the state file; undefined when it is absent or unreadable. */
export async function readState(
  path: string,
): Promise<AgentState | undefined> {
  try {
    const text = await readTextIfExists(path);
    return text === undefined ? undefined : JSON.parse(text) as AgentState;
  } catch {
    return undefined;
  }
}

/** Options of a Tracker: where to persist (none for dry runs), the hooks, the log and the clock. */
export interface TrackerOptions {
  path?: string;
  hooks?: Hooks;
  log: Logger;
  now?: () => number;
}

/** A sink a pass changed. */
export interface ChangedSink {
  name: string;
  path: string;
}

/**
 * Records every pass, refresh, recreate and failure: updates the state and
 * the counters, persists the state, and fires the hooks.
 */
export class Tracker {
  readonly counters: Counters = {
    passes: 0,
    recreates: 0,
    failures: Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0])) as Record<
      FailureKind,
      number
    >,
  };
  readonly now: () => number;
  #warned = false;
  #writes: Coalescer;

  private constructor(
    public state: AgentState,
    private readonly options: TrackerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.#writes = new Coalescer(() => this.#persist());
  }

  /** A tracker that continues the state file's record (a dead login stays dead across restarts). */
  static async open(options: TrackerOptions): Promise<Tracker> {
    const state = options.path ? await readState(options.path) : undefined;
    return new Tracker(state ?? {}, options);
  }

  /** Sets the mode reported by /metrics and status. */
  setMode(mode: Mode): void {
    if (this.state.mode === mode) return;
    this.state.mode = mode;
    this.#save();
  }

  /** Whether the token endpoint already refused this login's refresh token. */
  isDead(login: Login): boolean {
    return isLoginEnded(this.state, login.refreshToken);
  }

  /** A pass finished: it delivered the login (changing these sinks), or a sink failed with `error`. */
  passed(login: Login, changed: ChangedSink[], error?: SyncError): void {
    this.counters.passes++;
    const previous = this.state.token?.fingerprint;
    this.#see(login);
    if (changed.length > 0) {
      this.#emit("change", "delivered", {
        previous: previous === this.state.token?.fingerprint
          ? undefined
          : previous,
        sinks: changed.map((s) => ({ sink: s.name, path: s.path })),
      });
    }
    if (error) return this.failed("delivery", error, login);
    this.state.lastPass = { at: this.now(), ok: true };
    this.state.lastSyncAt = this.now();
    this.#save();
  }

  /** A whole pass (delivery, then the recreate) as syncLogin reports it. */
  observe({ login, delivery, restartError }: PassOutcome): void {
    this.passed(login, delivery.changed, delivery.failures[0]);
    if (restartError) this.failed("restart", restartError, login);
    else if (delivery.restartOwed) this.recreated();
  }

  /** A pass that ended before delivering (the source or a refresh failed). */
  passFailed(kind: FailureKind, err: unknown, login?: Login): void {
    this.counters.passes++;
    this.failed(kind, err, login);
  }

  /**
   * Something failed; a dead login's refresh token is remembered so it is not
   * retried. `pass: false` (a refresh-ahead hiccup beside the passes) leaves
   * the last pass's result alone.
   */
  failed(
    kind: FailureKind,
    err: unknown,
    login?: Login,
    { pass = true } = {},
  ): void {
    this.counters.failures[kind]++;
    if (login) this.#see(login);
    const error = redact(messageOf(err));
    if (pass) this.state.lastPass = { at: this.now(), ok: false, kind, error };
    if (kind === "login_ended" && login) {
      this.state.loginEnded = {
        at: this.now(),
        refreshToken: fingerprint(login.refreshToken),
        error,
      };
    }
    this.#save();
    this.#emit("failure", kind, { error });
  }

  /** The login was refreshed at the token endpoint and written back. */
  refreshed(login: Login): void {
    this.#see(login);
    this.state.lastRefreshAt = this.now();
    this.#save();
  }

  /** The gateway was recreated; a recreate that failed before is healed. */
  recreated(): void {
    this.counters.recreates++;
    if (this.state.lastPass?.kind === "restart") {
      this.state.lastPass = { at: this.now(), ok: true };
      this.#save();
    }
  }

  /** Resolves when the state is written and no hook runs. */
  async idle(): Promise<void> {
    await this.#writes.idle();
    await this.options.hooks?.idle();
  }

  #see(login: Login): void {
    this.state.token = {
      fingerprint: fingerprint(login.accessToken),
      refreshToken: fingerprint(login.refreshToken),
      expiresAt: login.expiresAt,
    };
  }

  #emit(
    event: HookEvent["event"],
    kind: string,
    extra: Partial<HookEvent>,
  ): void {
    const now = this.now();
    const token = this.state.token;
    this.options.hooks?.emit({
      event,
      kind,
      time: new Date(now).toISOString(),
      mode: this.state.mode,
      token: token?.fingerprint,
      refreshToken: token?.refreshToken,
      expiresAt: token && new Date(token.expiresAt).toISOString(),
      secondsLeft: token && Math.floor((token.expiresAt - now) / 1000),
      ...extra,
    });
  }

  #save(): void {
    if (this.options.path) this.#writes.request();
  }

  async #persist(): Promise<void> {
    const path = this.options.path!;
    try {
      this.state = mergeState(await readState(path), this.state);
      await writeFileAtomic(path, JSON.stringify(this.state) + "\n");
      this.#warned = false;
    } catch (err) {
      if (this.#warned) return;
      this.#warned = true;
      this.options.log.warn(
        `cannot record the state (status, doctor and /healthz miss it): ${
          messageOf(err)
        }`,
        { path },
      );
    }
  }
}
