/**
 * Records what the agent does: every pass's outcome, every refresh, the mode.
 * It keeps the state (persisted for status, doctor and /healthz) and the
 * counters (for /metrics), and fires each target's hooks.
 */
import { dirname } from "../lib/path.ts";
import { Coalescer } from "../lib/coalesce.ts";
import { messageOf, type SyncError } from "../lib/errors.ts";
import { writeFileAtomic } from "../lib/files.ts";
import { fingerprint, redact } from "../lib/fingerprint.ts";
import type { Logger } from "../lib/log.ts";
import type { Login } from "../login/credentials.ts";
import type { PassOutcome, TargetOutcome } from "../pass/pass.ts";
import type { HookEvent, Hooks } from "./hooks.ts";
import {
  type AgentState,
  FAILURE_KINDS,
  type FailureKind,
  failureKind,
  isLoginEnded,
  type LastPass,
  mergeState,
  type Mode,
  readState,
} from "./state.ts";

/** In-process counters for /metrics. */
export interface Counters {
  passes: number;
  failures: Record<FailureKind, number>;
  /** Gateway recreates by target. */
  recreates: Record<string, number>;
  /** Failed deliveries and restarts by target. */
  targetFailures: Record<string, number>;
}

/** Options of a Recorder: where to persist (none for dry runs), an older state file to start from, each target's hooks, the log and the clock. */
export interface RecorderOptions {
  path?: string;
  legacyPath?: string;
  hooks?: Map<string, Hooks>;
  log: Logger;
  now?: () => number;
}

/** The failure a target's outcome records, if any: its restart's or its first delivery's. */
function targetFailure(
  t: TargetOutcome,
): { kind: FailureKind; error: SyncError } | undefined {
  if (t.failures.length === 0) return undefined;
  return {
    kind: t.restart === "failed" ? "restart" : "delivery",
    error: t.failures.at(-1)!,
  };
}

/** Records passes and refreshes: the state, the counters and the hooks. */
export class Recorder {
  readonly counters: Counters = {
    passes: 0,
    failures: Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0])) as Record<
      FailureKind,
      number
    >,
    recreates: {},
    targetFailures: {},
  };
  readonly now: () => number;
  #warned = false;
  #writes: Coalescer;

  private constructor(
    public state: AgentState,
    private readonly options: RecorderOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.#writes = new Coalescer(() => this.#persist());
  }

  /** A recorder that continues the state file's record (a dead login stays dead across restarts); an older state file is read when there is none yet. */
  static async open(options: RecorderOptions): Promise<Recorder> {
    const state = options.path
      ? await readState(options.path) ??
        (options.legacyPath ? await readState(options.legacyPath) : undefined)
      : undefined;
    return new Recorder(state ?? {}, options);
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

  /** Records a pass: the login seen, each target's changes, failures and restart, the hooks. `once` marks a one-shot run. */
  record(outcome: PassOutcome, { once = false } = {}): void {
    this.counters.passes++;
    const at = outcome.at;
    if (outcome.sourceError || !outcome.login) {
      const error = outcome.sourceError!;
      return this.#failed(failureKind(error, "source"), error, undefined, {
        once,
        targets: [...(this.options.hooks?.keys() ?? [])],
      });
    }
    const previous = this.state.token?.fingerprint;
    this.#see(outcome.login);
    const targets = (this.state.targets ??= {});
    let worst: LastPass = { at, ok: true, ...(once ? { once } : {}) };
    for (const t of outcome.targets) {
      const state = (targets[t.target] ??= {});
      if (t.openclaw) state.openclaw = t.openclaw;
      if (t.restart === "done") {
        this.counters.recreates[t.target] =
          (this.counters.recreates[t.target] ?? 0) + 1;
      }
      if (t.changed.length > 0) {
        this.#emit(t.target, "change", "delivered", {
          previous: previous === this.state.token?.fingerprint
            ? undefined
            : previous,
          sinks: t.changed.map((s) => ({ sink: s.name, path: s.path })),
        });
      }
      const failure = targetFailure(t);
      if (!failure) {
        state.lastPass = { at, ok: true, ...(once ? { once } : {}) };
        state.lastSyncAt = at;
        continue;
      }
      this.counters.failures[failure.kind]++;
      this.counters.targetFailures[t.target] =
        (this.counters.targetFailures[t.target] ?? 0) + 1;
      const error = redact(failure.error.message);
      state.lastPass = {
        at,
        ok: false,
        kind: failure.kind,
        error,
        ...(once ? { once } : {}),
      };
      worst = state.lastPass;
      this.#emit(t.target, "failure", failure.kind, { error });
    }
    this.state.lastPass = worst;
    if (worst.ok) this.state.lastSyncAt = at;
    this.#save();
  }

  /** The login was refreshed at the token endpoint and written back. */
  refreshed(login: Login): void {
    this.#see(login);
    this.state.lastRefreshAt = this.now();
    this.#save();
  }

  /**
   * A refresh failed; a dead login's refresh token is remembered so it is not
   * sent again. `pass: false` (a refresh-ahead hiccup beside the passes) leaves
   * the last pass's result alone, unless the login ended.
   */
  refreshFailed(err: unknown, login?: Login, { pass = true } = {}): void {
    const kind = failureKind(err, "refresh");
    const counts = pass || kind === "login_ended";
    if (counts) this.counters.passes++;
    this.#failed(kind, err, login, {
      pass: counts,
      targets: [...(this.options.hooks?.keys() ?? [])],
    });
  }

  /** Resolves when the state is written and no hook runs. */
  async idle(): Promise<void> {
    await this.#writes.idle();
    for (const hooks of this.options.hooks?.values() ?? []) {
      await hooks.idle();
    }
  }

  /** The hooks that could not start since the last call. */
  hookStartFailures(): SyncError[] {
    return [...(this.options.hooks?.values() ?? [])].flatMap((h) =>
      h.takeStartFailures()
    );
  }

  /** A failure outside any one target: the source, or a refresh. */
  #failed(
    kind: FailureKind,
    err: unknown,
    login: Login | undefined,
    { pass = true, once = false, targets }: {
      pass?: boolean;
      once?: boolean;
      targets: string[];
    },
  ): void {
    this.counters.failures[kind]++;
    if (login) this.#see(login);
    const error = redact(messageOf(err));
    if (pass) {
      this.state.lastPass = {
        at: this.now(),
        ok: false,
        kind,
        error,
        ...(once ? { once } : {}),
      };
    }
    if (kind === "login_ended" && login) {
      this.state.loginEnded = {
        at: this.now(),
        refreshToken: fingerprint(login.refreshToken),
        error,
      };
    }
    this.#save();
    for (const target of targets) {
      this.#emit(target, "failure", kind, { error });
    }
  }

  #see(login: Login): void {
    this.state.token = {
      fingerprint: fingerprint(login.accessToken),
      refreshToken: fingerprint(login.refreshToken),
      expiresAt: login.expiresAt,
    };
  }

  #emit(
    target: string,
    event: HookEvent["event"],
    kind: string,
    extra: Partial<HookEvent>,
  ): void {
    const hooks = this.options.hooks?.get(target);
    if (!hooks) return;
    const now = this.now();
    const token = this.state.token;
    hooks.emit({
      event,
      kind,
      target,
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
      await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
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
