/**
 * One pass: read the login, deliver it to every target side by side, and
 * restart a target's gateway when its environment changed. Every driver
 * (--once, watch, refresh) runs passes through runPass and records the
 * outcome it returns; a pass never throws for a failure it can describe.
 */
import type { TargetSettings } from "../config/settings.ts";
import { MAIN_TARGET } from "../config/settings.ts";
import { withSinkLocks } from "../lib/dir_lock.ts";
import {
  ExitCode,
  messageOf,
  notPermitted,
  passExitCode,
  SyncError,
} from "../lib/errors.ts";
import { readTextIfExists, writeFileAtomic } from "../lib/files.ts";
import { fingerprint } from "../lib/fingerprint.ts";
import { type LockOptions, withLocks } from "../lib/locks.ts";
import type { Fields, Logger } from "../lib/log.ts";
import type { Runner } from "../lib/process.ts";
import { expiry, formatDuration } from "../lib/time.ts";
import type { Login } from "../login/credentials.ts";
import { readCredentials } from "../login/source.ts";
import { recreateChangesNothing } from "../compose/recreate_guard.ts";
import { deliverToOpenClaw } from "../openclaw/deliver.ts";
import {
  learnedOf,
  learnedRoute,
  type OpenClawMemo,
  routeFields,
  routeFor,
} from "../openclaw/route_for.ts";
import type { Learned } from "../openclaw/learned.ts";
import type { Route } from "../openclaw/route.ts";
import type { FileSink } from "../sinks/sink.ts";
import { decide, targetSinks } from "./plan.ts";
import {
  forgetRestart,
  oweRestart,
  restartOwed,
  runRestart,
} from "./restart.ts";

/** The edges a pass touches besides files: processes, the log, and what the process remembers of each target's OpenClaw. */
export interface PassDeps {
  run: Runner;
  log: Logger;
  /** What this process learned of each target's OpenClaw, by target name. */
  openclaw: Map<string, OpenClawMemo>;
}

/** How to run a pass: where the login is, where restarts owed are remembered, whether to restart now, and whether to touch anything. */
export interface PassOptions {
  credentials: string;
  stateDir: string;
  /** Run the restarts owed now (else they stay owed: watch mode waits for --settle first). */
  restart: boolean;
  dryRun: boolean;
  /** A token this close to expiry is delivered with a warning. */
  refreshBefore: number;
  /** A one-shot run (`--once`): a target with nothing to deliver along the route an earlier run learned asks no docker and no CLI. */
  once?: boolean;
  now?: () => number;
}

/** A location a pass changed. */
export interface ChangedSink {
  name: string;
  path: string;
}

/** What a pass did for one target. */
export interface TargetOutcome {
  target: string;
  route?: { route: Route; why: string };
  changed: ChangedSink[];
  failures: SyncError[];
  /** The gateway's restart: none owed, owed (not run yet), done, or failed (still owed). */
  restart: "none" | "owed" | "done" | "failed";
  /** What the pass learned of the target's OpenClaw, for the next run. */
  openclaw?: Learned;
}

/** What one pass did: the login it read (or why it could not), and each target's outcome. */
export interface PassOutcome {
  at: number;
  login?: Login;
  sourceError?: SyncError;
  targets: TargetOutcome[];
}

/** Any thrown value as a SyncError of a failed delivery. */
function asDeliveryError(err: unknown, path: string): SyncError {
  if (err instanceof SyncError) return err;
  return notPermitted(err) ??
    new SyncError(`${path}: ${messageOf(err)}`, ExitCode.deliveryFailed);
}

/** A logger that names the target in every line (the one target of a configuration without target files goes unnamed). */
function targetLog(log: Logger, target: string): Logger {
  if (target === MAIN_TARGET) return log;
  const named = (level: keyof Logger) => (msg: string, fields: Fields = {}) =>
    log[level](msg, { target, ...fields });
  return {
    debug: named("debug"),
    info: named("info"),
    warn: named("warn"),
    error: named("error"),
  };
}

/** Lock options for a sink owner's lock: a few seconds of patience, then give up. */
function ownerLock(staleMs: number): LockOptions {
  return { staleMs, retries: 40, retryDelayMs: 250 };
}

/** Reads one sink, decides and writes it; returns whether it changed (or would, in a dry run). `owe` runs before a write that needs the gateway restarted and returns how to take that back when the write fails. */
async function deliverSink(
  sink: FileSink,
  login: Login,
  log: Logger,
  dryRun: boolean,
  owe: () => Promise<() => Promise<void>>,
): Promise<boolean> {
  const d = decide(sink, await readTextIfExists(sink.path), login);
  const where = { sink: sink.name, path: sink.path };
  if (!d.next) {
    log.debug("already current", where);
    return false;
  }
  const change = {
    ...where,
    from: d.held.accessToken ? fingerprint(d.held.accessToken) : "(none)",
    to: fingerprint(login.accessToken),
    expiresAt: login.expiresAt,
  };
  if (dryRun) {
    log.info("would update", change);
    return true;
  }
  await sink.preflight?.();
  const undo = sink.recreatesGateway ? await owe() : undefined;
  let notes: string[];
  try {
    notes = await writeFileAtomic(sink.path, d.next.text);
  } catch (err) {
    await undo?.(); // the file did not change: no restart owed for it
    throw err;
  }
  for (const w of [...notes, ...d.next.warnings]) log.warn(w, where);
  log.info("updated", change);
  return true;
}

/**
 * For a one-shot run: the route an earlier run learned, when nothing is to
 * be delivered along it (each of its file sinks holds the login, or on the
 * CLI route the login was verified in use, and no restart is owed). Such a
 * run asks no docker and no CLI; the route is decided anew (a replaced
 * gateway container found) as soon as something is to be delivered.
 */
async function settledAlongLearned(
  target: TargetSettings,
  login: Login,
  memo: OpenClawMemo,
  stateDir: string,
): Promise<{ route: Route; why: string } | undefined> {
  const known = learnedRoute(target, memo);
  if (!known) return undefined;
  const sinks = targetSinks(known.settings, known.route);
  try {
    const current = known.route === "cli"
      ? known.verified === fingerprint(login.accessToken)
      : sinks.length > 0 && (await Promise.all(
        sinks.map(async (sink) =>
          !decide(sink, await readTextIfExists(sink.path), login).next
        ),
      )).every(Boolean);
    if (!current || await restartOwed(stateDir, target.name)) return undefined;
  } catch {
    return undefined; // the whole pass says what is wrong
  }
  return { route: known.route, why: known.why };
}

/** Delivers the login to one target along its route, then restarts its gateway when owed and asked to. */
async function deliverTarget(
  target: TargetSettings,
  login: Login,
  deps: PassDeps,
  options: PassOptions,
): Promise<TargetOutcome> {
  const log = targetLog(deps.log, target.name);
  const outcome: TargetOutcome = {
    target: target.name,
    changed: [],
    failures: [],
    restart: "none",
  };
  const fail = (err: unknown, sink: string, path: string) => {
    const error = asDeliveryError(err, path);
    log.error(error.message, { sink, path });
    outcome.failures.push(error);
  };
  let memo = deps.openclaw.get(target.name);
  if (!memo) deps.openclaw.set(target.name, memo = {});
  if (options.once && !options.dryRun) {
    const settled = await settledAlongLearned(
      target,
      login,
      memo,
      options.stateDir,
    );
    if (settled) {
      log.debug("already current along the route found before", settled);
      return { ...outcome, route: settled, openclaw: memo.learned };
    }
  }
  let route;
  try {
    route = await routeFor(target, { run: deps.run, openclaw: memo });
  } catch (err) {
    fail(err, "openclaw", target.openclawCli ?? target.service);
    return outcome;
  }
  outcome.route = { route: route.route, why: route.why };
  if (route.fresh || options.dryRun) {
    log.info("delivery route", routeFields(route));
    for (const note of route.discovery?.notes ?? []) log.warn(note);
  }
  const sinks = targetSinks(route.settings, route.route);
  const restarts = target.restart !== "none" &&
    sinks.some((s) => s.recreatesGateway);
  let owed = restarts && await restartOwed(options.stateDir, target.name);
  /** Records the restart before the write that needs it; the result takes it back when that write fails. */
  const owe = async () => {
    if (!restarts || owed) return async () => {};
    await oweRestart(options.stateDir, target.name);
    owed = true;
    return async () => {
      owed = false;
      await forgetRestart(options.stateDir, target.name);
    };
  };
  // Under the sinks' directory locks (src/lib/dir_lock.ts) no other agent
  // interleaves a write; the sinks are independent files, written side by
  // side, so a change costs the slowest write (fsyncs) rather than their sum.
  await withSinkLocks(
    sinks.map((s) => s.path),
    () =>
      Promise.all(sinks.map(async (sink) => {
        const once = () => deliverSink(sink, login, log, options.dryRun, owe);
        try {
          const changed = sink.lock
            ? await withLocks(
              [[sink.lock.path, ownerLock(sink.lock.staleMs)]],
              once,
            )
            : await once();
          if (changed) {
            outcome.changed.push({ name: sink.name, path: sink.path });
            if (sink.recreatesGateway && restarts) owed = true;
          }
        } catch (err) {
          fail(err, sink.name, sink.path);
        }
      })),
  ).catch((err) => fail(err, "sinks", sinks.map((s) => s.path).join(", ")));
  if (route.route === "cli") {
    try {
      const path = await deliverToOpenClaw(
        route.settings,
        login,
        { run: deps.run, log, openclaw: memo },
        options.dryRun,
      );
      if (path) outcome.changed.push({ name: "openclaw", path });
    } catch (err) {
      fail(err, "openclaw", route.cli?.prefix.join(" ") ?? target.service);
    }
  }
  outcome.openclaw = learnedOf(memo, Date.now());
  if (!owed) return outcome;
  if (!options.restart) return { ...outcome, restart: "owed" };
  if (await recreateChangesNothing(target, memo, deps.run, log)) {
    await forgetRestart(options.stateDir, target.name);
    return outcome;
  }
  try {
    await runRestart(target, deps.run, log, options.dryRun);
    if (!options.dryRun) {
      await forgetRestart(options.stateDir, target.name);
      log.info("gateway recreated", {
        service: target.service,
        restart: target.restart,
      });
    }
    return { ...outcome, restart: "done" };
  } catch (err) {
    const error = asDeliveryError(err, target.composeDir ?? ".");
    log.error(`${error.message}; files are synced, will retry`, {
      service: target.service,
    });
    return {
      ...outcome,
      failures: [...outcome.failures, error],
      restart: "failed",
    };
  }
}

/** Warns when the token delivered has expired or is about to, and says what renews it. */
function warnExpiry(login: Login, options: PassOptions, log: Logger): void {
  const now = (options.now ?? Date.now)();
  const left = login.expiresAt - now;
  if (left > options.refreshBefore) return;
  const when = expiry(login.expiresAt, now);
  const renews =
    "Claude Code renews it on its next use, or run `sync-oauth-token refresh --once`";
  log.warn(
    left <= 0
      ? `the token delivered has expired (${when}): ${renews}`
      : `the token delivered ${when}, within --refresh-before ${
        formatDuration(options.refreshBefore)
      }: ${renews}`,
    { token: fingerprint(login.accessToken) },
  );
}

/** One whole pass: read the login, deliver it to every target side by side, restart what is owed (when asked). */
export async function runPass(
  targets: TargetSettings[],
  deps: PassDeps,
  options: PassOptions,
): Promise<PassOutcome> {
  const at = (options.now ?? Date.now)();
  let login: Login;
  try {
    login = (await readCredentials(options.credentials)).login;
  } catch (err) {
    const error = asDeliveryError(err, options.credentials);
    deps.log.error(error.message, { path: options.credentials });
    return { at, sourceError: error, targets: [] };
  }
  warnExpiry(login, options, deps.log);
  const outcomes = await Promise.all(
    targets.map((t) => deliverTarget(t, login, deps, options)),
  );
  const quiet = outcomes.every((o) =>
    o.changed.length === 0 && o.failures.length === 0 && o.restart === "none"
  );
  if (quiet) {
    deps.log.info("nothing to do: every target holds the current token", {
      token: fingerprint(login.accessToken),
      expiresAt: login.expiresAt,
    });
  }
  return { at, login, targets: outcomes };
}

/** The exit code of a pass: the source's failure, else the worst target's, else 5 for an expired token, else 0. */
export function outcomeExitCode(outcome: PassOutcome): number {
  if (outcome.sourceError) return outcome.sourceError.exitCode;
  const code = passExitCode(outcome.targets.flatMap((t) => t.failures));
  if (code !== ExitCode.ok) return code;
  return outcome.login && outcome.login.expiresAt <= outcome.at
    ? ExitCode.tokenExpired
    : ExitCode.ok;
}
