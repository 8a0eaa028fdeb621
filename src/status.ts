import type { Config } from "./config.ts";
import { ExitCode, messageOf, notPermitted, SyncError } from "./errors.ts";
import { readTextIfExists } from "./files.ts";
import { fingerprint } from "./fingerprint.ts";
import { compose, detectCompose } from "./compose.ts";
import type { Login } from "./credentials.ts";
import { modelsStatus, type OpenClawCli } from "./openclaw/cli.ts";
import { routeFor } from "./openclaw/deliver.ts";
import { anthropicView, verify } from "./openclaw/models_status.ts";
import { configuredSinks, restartPending } from "./pass.ts";
import type { Runner } from "./process.ts";
import { readCredentials } from "./source.ts";
import { describeState, readState } from "./state.ts";
import { expiry } from "./time_left.ts";

/** One line of the status report: a location, the token it holds and whether that is current. */
export interface StatusEntry {
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

/** The value of one variable in a container's environment list. */
export function containerEnvValue(
  env: string[],
  key: string,
): string | undefined {
  return env.findLast((e) => e.startsWith(`${key}=`))?.slice(key.length + 1);
}

/** The gateway container's view: which token its environment holds, compared by fingerprint. */
async function gatewayEntry(
  config: Config,
  run: Runner,
  current: string | undefined,
): Promise<StatusEntry> {
  const entry: StatusEntry = {
    kind: "gateway",
    path: config.service,
    inSync: false,
  };
  try {
    const variant = await detectCompose(run);
    const id =
      (await compose(run, variant, config, ["ps", "-q", config.service]))
        .trim().split("\n")[0];
    if (!id) return { ...entry, note: "no running container" };
    const inspect = await run(
      ["docker", "inspect", "--format", "{{json .Config.Env}}", id],
      { timeoutMs: config.composeTimeout },
    );
    if (inspect.code !== 0) throw new Error(inspect.stderr.trim());
    const held = containerEnvValue(JSON.parse(inspect.stdout), config.envKey);
    entry.path = `${config.service} (${id.slice(0, 12)})`;
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

/** OpenClaw's view through its CLI: the profile in use, verified against the login. */
async function openclawEntry(
  cli: OpenClawCli,
  run: Runner,
  login: Login | undefined,
): Promise<StatusEntry> {
  const entry: StatusEntry = {
    kind: "openclaw",
    path: cli.prefix.join(" "),
    inSync: false,
  };
  try {
    const view = anthropicView(await modelsStatus(cli, run));
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

/** Collects the source, every sink and the gateway container with token fingerprints; never a token. */
export async function collectStatus(
  config: Config,
  now: number,
  run: Runner,
): Promise<StatusReport> {
  const entries: StatusEntry[] = [];
  let login: Login | undefined;
  let exitCode: number = ExitCode.ok;
  try {
    login = (await readCredentials(config.credentials)).login;
    const expired = login.expiresAt <= now;
    entries.push({
      kind: "source",
      path: config.credentials,
      token: fingerprint(login.accessToken),
      expiresAt: login.expiresAt,
      note: expired ? "expired" : undefined,
    });
    if (expired) exitCode = ExitCode.deliveryFailed;
  } catch (err) {
    exitCode = err instanceof SyncError ? err.exitCode : ExitCode.sourceInvalid;
    entries.push({
      kind: "source",
      path: config.credentials,
      note: messageOf(err),
    });
  }
  /** A location out of step fails the report (1) unless a worse code is set already. */
  const outOfStep = (out: boolean) => {
    if (out && exitCode === ExitCode.ok) exitCode = ExitCode.deliveryFailed;
  };
  const current = login?.accessToken;
  const route = await routeFor(config, { run });
  entries.push({ kind: "route", path: route.route, note: route.why });
  const sinks = configuredSinks(config, route.route);
  for (const sink of sinks) {
    const entry: StatusEntry = { kind: sink.name, path: sink.path };
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
      if (denied) exitCode = denied.exitCode;
    }
    outOfStep(!entry.inSync);
    entries.push(entry);
  }
  if (route.cli) {
    const entry = await openclawEntry(route.cli, run, login);
    entries.push(entry);
    outOfStep(!entry.inSync);
  }
  if (
    config.restart !== "none" && sinks.some((s) => s.recreatesGateway)
  ) {
    const gateway = await gatewayEntry(config, run, current);
    const pending = await restartPending(config);
    if (pending && gateway.inSync) gateway.note = "recreate pending";
    entries.push(gateway);
    outOfStep(!gateway.inSync || pending);
  }
  const state = await readState(config.stateFile!);
  const said = state && describeState(state, login?.refreshToken, now);
  if (said?.lastPass) {
    entries.push({
      kind: "last pass",
      path: config.stateFile!,
      note: said.lastPass,
    });
  }
  if (said?.loginEnded) {
    entries.push({
      kind: "login",
      path: config.credentials,
      note: said.loginEnded,
    });
    exitCode = ExitCode.loginEnded;
  }
  return { entries, exitCode };
}

/** The report as aligned human text. */
export function formatStatus(report: StatusReport, now: number): string {
  return report.entries.map((e) => {
    const state = e.inSync === undefined
      ? ""
      : e.inSync
      ? "in sync"
      : "NOT in sync";
    const expires = e.expiresAt === undefined ? "" : expiry(e.expiresAt, now);
    return [
      e.kind.padEnd(10),
      e.path,
      e.token ??
        (e.kind === "source" || e.inSync !== undefined ? "(no token)" : ""),
      expires,
      state,
      e.note ?? "",
    ].filter(Boolean).join("  ");
  }).join("\n");
}
