/**
 * What the running tool has done, for the processes that ask later: `status`,
 * `doctor`, /metrics and /healthz. A small JSON record (fingerprints, never a
 * token) written atomically after every pass; counters live in memory only.
 */
import { lenient } from "../lib/untrusted.ts";
import * as z from "../lib/zod/zod.js";
import { ExitCode, SyncError } from "../lib/errors.ts";
import { readTextIfExists } from "../lib/files.ts";
import { fingerprint } from "../lib/fingerprint.ts";
import { expiry, timeAgo } from "../lib/time.ts";
import { TransientRefreshError } from "../login/token_endpoint.ts";
import { Learned } from "../openclaw/learned.ts";

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

/** The outcome of a pass, for the agent or one target. */
export interface LastPass {
  at: number;
  ok: boolean;
  kind?: FailureKind;
  error?: string;
  /** Run by `--once` (cron, a systemd timer) rather than by a long-running agent. */
  once?: boolean;
}

/** What the state records of one target. */
export interface TargetState {
  lastPass?: LastPass;
  lastSyncAt?: number;
  /** What the last run learned of its OpenClaw (route, container, version, CLI), so a `--once` run does not ask again. */
  openclaw?: Learned;
}

/** The persisted record. Times are Unix milliseconds; tokens appear only as fingerprints. */
export interface AgentState {
  mode?: Mode;
  token?: { fingerprint: string; refreshToken: string; expiresAt: number };
  lastPass?: LastPass;
  lastSyncAt?: number;
  lastRefreshAt?: number;
  loginEnded?: { at: number; refreshToken: string; error: string };
  targets?: Record<string, TargetState>;
}

const Pass = z.object({
  at: z.number(),
  ok: z.boolean(),
  kind: z.optional(
    z.enum(["source", "login_ended", "refresh", "delivery", "restart"]),
  ),
  error: z.optional(z.string()),
  once: z.optional(z.boolean()),
});

/** The state file as read: a part that is not what this version writes reads as absent. */
const StateFile = z.object({
  mode: lenient(z.enum(["watch", "poll", "timer"])),
  token: lenient(z.object({
    fingerprint: z.string(),
    refreshToken: z.string(),
    expiresAt: z.number(),
  })),
  lastPass: lenient(Pass),
  lastSyncAt: lenient(z.number()),
  lastRefreshAt: lenient(z.number()),
  loginEnded: lenient(z.object({
    at: z.number(),
    refreshToken: z.string(),
    error: z.string(),
  })),
  targets: lenient(z.record(
    z.string(),
    z.object({
      lastPass: lenient(Pass),
      lastSyncAt: lenient(z.number()),
      openclaw: lenient(Learned),
    }),
  )),
});

/** In-process counters for /metrics. */
export interface Counters {
  passes: number;
  recreates: number;
  failures: Record<FailureKind, number>;
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

/** The worst target's failed last pass, with its name, if any target's last pass failed. */
export function failingTarget(
  state: AgentState,
): { name: string; lastPass: LastPass } | undefined {
  return Object.entries(state.targets ?? {})
    .filter(([, t]) => t.lastPass && !t.lastPass.ok)
    .map(([name, t]) => ({ name, lastPass: t.lastPass! }))
    .sort((a, b) => b.lastPass.at - a.lastPass.at)[0];
}

/** /healthz: healthy when the last pass succeeded for every target, the login is alive and the token has not expired. */
export function health(
  state: AgentState,
  now: number,
): { ok: boolean; reason: string } {
  const { token, loginEnded } = state;
  const failing = failingTarget(state);
  const lastPass = state.lastPass?.ok && failing
    ? failing.lastPass
    : state.lastPass;
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
      }${failing ? `, target ${failing.name}` : ""}): ${lastPass.error ?? ""}`,
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

/** A last pass in words: "ok 3m ago" or "FAILED 3m ago (kind): error", with " (--once)" for a one-shot run. */
export function describePass(pass: LastPass, now: number): string {
  return (pass.ok
    ? `ok ${timeAgo(pass.at, now)}`
    : `FAILED ${timeAgo(pass.at, now)} (${pass.kind}): ${pass.error}`) +
    (pass.once ? " (--once)" : "");
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
      describePass(lastPass, now) +
        (mode && !lastPass.once ? ` (${mode})` : "") + refreshed,
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
  const names = new Set([
    ...Object.keys(disk.targets ?? {}),
    ...Object.keys(ours.targets ?? {}),
  ]);
  const targets = Object.fromEntries([...names].map((name) => {
    const d = disk.targets?.[name];
    const o = ours.targets?.[name];
    return [name, {
      lastPass: newer(d?.lastPass, o?.lastPass),
      lastSyncAt: later(d?.lastSyncAt, o?.lastSyncAt),
      openclaw: newer(d?.openclaw, o?.openclaw),
    }];
  }));
  return {
    ...ours,
    lastPass: newer(disk.lastPass, ours.lastPass),
    lastSyncAt: later(disk.lastSyncAt, ours.lastSyncAt),
    lastRefreshAt: later(disk.lastRefreshAt, ours.lastRefreshAt),
    loginEnded: newer(disk.loginEnded, ours.loginEnded),
    ...(names.size > 0 ? { targets } : {}),
  };
}

/** Reads the state file; undefined when it is absent or unreadable. */
export async function readState(
  path: string,
): Promise<AgentState | undefined> {
  try {
    const text = await readTextIfExists(path);
    if (text === undefined) return undefined;
    const parsed = StateFile.safeParse(JSON.parse(text));
    return parsed.success ? stripUndefined(parsed.data) : undefined;
  } catch {
    return undefined;
  }
}

/** A record without the keys whose value is undefined (as JSON would have it). */
function stripUndefined<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}
