/**
 * `status`: the source, then each target (its route, every sink, OpenClaw's
 * view, the gateway container) with token fingerprints and expiry, and
 * whether each holds the current token. Never a token.
 */
import { dirname } from "../lib/path.ts";
import type { GlobalSettings, Target } from "../config/settings.ts";
import { MAIN_TARGET } from "../config/settings.ts";
import {
  containerEnvValue,
  inspectContainer,
  runningContainer,
} from "../compose/container.ts";
import { detectCompose } from "../compose/project.ts";
import { ExitCode, messageOf, notPermitted, SyncError } from "../lib/errors.ts";
import { readTextIfExists } from "../lib/files.ts";
import { fingerprint } from "../lib/fingerprint.ts";
import type { Runner } from "../lib/process.ts";
import { expiry } from "../lib/time.ts";
import type { Login } from "../login/credentials.ts";
import { readCredentials } from "../login/source.ts";
import { envReachOf } from "../compose/resolved.ts";
import { modelsStatus } from "../openclaw/cli.ts";
import {
  cliShown,
  directShown,
  type RouteDecision,
  routeFor,
} from "../openclaw/route_for.ts";
import { askGateway, describeReach } from "../openclaw/gateway_ask.ts";
import {
  anthropicView,
  verify,
  verifyGateway,
} from "../openclaw/models_status.ts";
import type { Learned } from "../openclaw/learned.ts";
import { storeDatabase } from "../sinks/auth_store.ts";
import { noDestination } from "../config/destination.ts";
import { targetSinks } from "../pass/plan.ts";
import { restartOwed } from "../pass/restart.ts";
import { describePass, describeState, readState } from "./state.ts";

/** One line of the status report: a location, the token it holds and whether that is current. */
export interface StatusEntry {
  /** The target it belongs to; absent for the source and the agent's own record. */
  target?: string;
  kind: string;
  path: string;
  token?: string;
  expiresAt?: number;
  inSync?: boolean;
  note?: string;
}

/** The whole status report and the exit code it implies. */
export interface StatusReport {
  entries: StatusEntry[];
  exitCode: number;
}

/** The exit code of a report: the worse of two, usage and source problems before a location out of step. */
function worse(a: number, b: number): number {
  const rank = (c: number) =>
    c === ExitCode.ok ? 0 : c === ExitCode.deliveryFailed ? 1 : 2;
  return rank(b) > rank(a) ? b : a;
}

/** The gateway container's view: which token its environment holds, compared by fingerprint. */
async function gatewayEntry(
  target: Target["settings"],
  run: Runner,
  current: string | undefined,
): Promise<StatusEntry> {
  const entry: StatusEntry = {
    target: target.name,
    kind: "gateway",
    path: target.service,
    inSync: false,
  };
  try {
    const variant = await detectCompose(run);
    const id = await runningContainer(run, variant, target);
    if (!id) return { ...entry, note: "no running container" };
    const container = await inspectContainer(run, id, target.composeTimeout);
    const held = containerEnvValue(container.env, target.envKey);
    entry.path = `${target.service} (${id.slice(0, 12)})`;
    entry.token = held && fingerprint(held);
    entry.inSync = current !== undefined && held === current;
    if (!entry.inSync) {
      entry.note = `running with ${entry.token ?? "no token"}, current ${
        current ? fingerprint(current) : "unknown"
      }: recreate pending`;
    }
  } catch (err) {
    entry.note = messageOf(err);
  }
  return entry;
}

/** OpenClaw's view: through the gateway when it can be reached (no CLI start-up), else `models status` through its CLI; verified against the login. */
async function openclawEntry(
  target: string,
  route: RouteDecision,
  run: Runner,
  login: Login | undefined,
): Promise<StatusEntry> {
  const reach = route.discovery?.reach;
  const entry: StatusEntry = {
    target,
    kind: "openclaw",
    path: reach ? describeReach(reach) : route.cli?.prefix.join(" ") ?? "-",
    inSync: false,
  };
  if (reach) {
    try {
      const answer = await askGateway(reach, run, { refresh: false });
      const verdict = login && verifyGateway(answer.status, login);
      entry.inSync = verdict?.ok === true;
      entry.token = verdict?.ok ? fingerprint(login!.accessToken) : undefined;
      entry.expiresAt = verdict?.ok ? login!.expiresAt : undefined;
      entry.note = !verdict
        ? "cannot compare: the source is unreadable"
        : verdict.ok
        ? `uses the current token (verified: the gateway${
          answer.version ? ` ${answer.version}` : ""
        } shows anthropic:manual with its expiry in effect)`
        : `uses ${verdict.instead}`;
      return entry;
    } catch (err) {
      entry.note = messageOf(err);
      if (!route.cli) return entry;
      entry.path = route.cli.prefix.join(" ");
    }
  }
  if (!route.cli) return { ...entry, note: "no OpenClaw CLI found" };
  try {
    const view = anthropicView(await modelsStatus(route.cli, run));
    const tokenEnd = view.effective?.tokenEnd;
    entry.token = tokenEnd && `…${tokenEnd.slice(-4)}`;
    entry.expiresAt = view.effective?.expiresAt;
    const verdict = login && verify(view, login);
    entry.inSync = verdict?.ok === true;
    entry.note = !verdict
      ? "cannot compare: the source is unreadable"
      : verdict.ok
      ? "uses the current token (verified)"
      : `uses ${verdict.instead}`;
  } catch (err) {
    entry.note = messageOf(err);
  }
  return entry;
}

/** What discovery found, and whether the direct route is open (and if not, what would open it). */
function foundEntries(target: string, route: RouteDecision): StatusEntry[] {
  const d = route.discovery;
  if (!d?.stateDir) return [];
  const entries: StatusEntry[] = [{
    target,
    kind: "found",
    path: d.stateDir.value,
    note: [
      `${d.kind} OpenClaw${d.version ? ` ${d.version.value}` : ""}`,
      `state directory from ${d.stateDir.from}`,
      ...(route.cli ? [`CLI ${cliShown(route)}`] : []),
    ].join("; "),
  }];
  if (route.route === "cli") {
    entries.push({
      target,
      kind: "direct",
      path: storeDatabase(d.stateDir.value),
      note: directShown(d),
    });
  }
  return entries;
}

/** One target's entries and the exit code they imply. */
async function targetStatus(
  target: Target,
  global: GlobalSettings,
  run: Runner,
  login: Login | undefined,
  learned: Learned | undefined,
): Promise<StatusReport> {
  const t = target.settings;
  const missing = noDestination(t);
  if (missing) {
    return {
      entries: [{
        target: t.name,
        kind: "target",
        path: t.name,
        note: missing,
      }],
      exitCode: ExitCode.usage,
    };
  }
  const entries: StatusEntry[] = [];
  let exitCode: number = ExitCode.ok;
  const outOfStep = (out: boolean) => {
    if (out) exitCode = worse(exitCode, ExitCode.deliveryFailed);
  };
  const current = login?.accessToken;
  const route = await routeFor(t, {
    run,
    openclaw: { origins: target.origins, learned },
  });
  entries.push({
    target: t.name,
    kind: "route",
    path: route.route,
    note: route.why,
  });
  entries.push(...foundEntries(t.name, route));
  const sinks = targetSinks(route.settings, route.route);
  for (const sink of sinks) {
    const entry: StatusEntry = {
      target: t.name,
      kind: sink.name,
      path: sink.path,
    };
    try {
      const text = await readTextIfExists(sink.path);
      const held = sink.held(text);
      entry.token = held.accessToken && fingerprint(held.accessToken);
      entry.expiresAt = held.expiresAt;
      entry.inSync = current !== undefined && held.accessToken === current;
      if (text === undefined) entry.note = "does not exist";
    } catch (err) {
      entry.inSync = false;
      const denied = notPermitted(err);
      entry.note = messageOf(denied ?? err);
      if (denied) exitCode = worse(exitCode, denied.exitCode);
    }
    outOfStep(!entry.inSync);
    entries.push(entry);
  }
  if (route.route === "cli") {
    const entry = await openclawEntry(t.name, route, run, login);
    entries.push(entry);
    outOfStep(!entry.inSync);
  }
  if (t.restart !== "none" && sinks.some((s) => s.recreatesGateway)) {
    const gateway = await gatewayEntry(t, run, current);
    const pending = await restartOwed(dirname(global.stateFile), t.name);
    if (pending && gateway.inSync) gateway.note = "recreate pending";
    const reach = t.envFile
      ? await envReachOf(run, { ...t, envFile: t.envFile })
      : undefined;
    if (reach?.reaches === false) {
      gateway.inSync = false;
      gateway.note =
        `the .env does not reach this container, so no recreate can bring the token: ${reach.fix}`;
    }
    entries.push(gateway);
    outOfStep(!gateway.inSync || pending);
  }
  return { entries, exitCode };
}

/** Collects the source, every target's locations and the agent's record, with token fingerprints; never a token. */
export async function collectStatus(
  global: GlobalSettings,
  targets: Target[],
  now: number,
  run: Runner,
): Promise<StatusReport> {
  const entries: StatusEntry[] = [];
  let login: Login | undefined;
  let exitCode: number = ExitCode.ok;
  try {
    login = (await readCredentials(global.credentials)).login;
    const expired = login.expiresAt <= now;
    entries.push({
      kind: "source",
      path: global.credentials,
      token: fingerprint(login.accessToken),
      expiresAt: login.expiresAt,
      note: expired
        ? "expired: Claude Code renews it on its next use, or run `sync-oauth-token refresh --once`"
        : undefined,
    });
    if (expired) exitCode = ExitCode.tokenExpired;
  } catch (err) {
    exitCode = err instanceof SyncError ? err.exitCode : ExitCode.sourceInvalid;
    entries.push({
      kind: "source",
      path: global.credentials,
      note: messageOf(err),
    });
  }
  const state = await readState(global.stateFile);
  const reports = await Promise.all(
    targets.map((t) =>
      targetStatus(
        t,
        global,
        run,
        login,
        state?.targets?.[t.settings.name]?.openclaw,
      )
    ),
  );
  for (const [i, report] of reports.entries()) {
    const last = state?.targets?.[targets[i].settings.name]?.lastPass;
    if (last && targets.length > 1) {
      report.entries.push({
        target: targets[i].settings.name,
        kind: "last pass",
        path: global.stateFile,
        note: describePass(last, now),
      });
    }
    entries.push(...report.entries);
    exitCode = worse(exitCode, report.exitCode);
  }
  const said = state && describeState(state, login?.refreshToken, now);
  if (said?.lastPass) {
    entries.push({
      kind: "last pass",
      path: global.stateFile,
      note: said.lastPass,
    });
  }
  if (said?.loginEnded) {
    entries.push({
      kind: "login",
      path: global.credentials,
      note: said.loginEnded,
    });
    exitCode = ExitCode.loginEnded;
  }
  return { entries, exitCode };
}

/** One entry as aligned text. */
function entryLine(e: StatusEntry, now: number, indent: string): string {
  const state = e.inSync === undefined
    ? ""
    : e.inSync
    ? "in sync"
    : "NOT in sync";
  const expires = e.expiresAt === undefined ? "" : expiry(e.expiresAt, now);
  return indent + [
    e.kind.padEnd(10),
    e.path,
    e.token ??
      (e.kind === "source" || e.inSync !== undefined ? "(no token)" : ""),
    expires,
    state,
    (e.note ?? "").trim().replace(/\s*\n\s*/g, " "),
  ].filter(Boolean).join("  ");
}

/** The report as aligned human text; with several targets, each target's lines under its name. */
export function formatStatus(report: StatusReport, now: number): string {
  const named = report.entries.some((e) =>
    e.target !== undefined && e.target !== MAIN_TARGET
  );
  const lines: string[] = [];
  let current: string | undefined;
  for (const e of report.entries) {
    if (named && e.target !== undefined && e.target !== current) {
      lines.push(`target ${e.target}`);
    }
    current = e.target;
    lines.push(entryLine(e, now, named && e.target !== undefined ? "  " : ""));
  }
  return lines.join("\n");
}
