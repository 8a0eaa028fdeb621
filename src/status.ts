import type { Config } from "./config.ts";
import { ExitCode, messageOf, notPermitted, SyncError } from "./errors.ts";
import { readTextIfExists } from "./files.ts";
import { fingerprint } from "./fingerprint.ts";
import { compose, detectCompose } from "./compose.ts";
import { configuredSinks, restartPending } from "./pass.ts";
import type { Runner } from "./process.ts";
import { readCredentials } from "./source.ts";

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

/** A duration in ms as a short human text ("7h 12m", "expired 3m ago"). */
export function timeLeft(ms: number): string {
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3600e3);
  const m = Math.floor((abs % 3600e3) / 60e3);
  const text = h > 0
    ? `${h}h ${m}m`
    : m > 0
    ? `${m}m`
    : `${Math.floor(abs / 1e3)}s`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
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

/** Collects the source, every sink and the gateway container with token fingerprints; never a token. */
export async function collectStatus(
  config: Config,
  now: number,
  run: Runner,
): Promise<StatusReport> {
  const entries: StatusEntry[] = [];
  let current: string | undefined;
  let exitCode: number = ExitCode.ok;
  try {
    const { login } = await readCredentials(config.credentials);
    current = login.accessToken;
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
  for (const sink of configuredSinks(config)) {
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
    if (!entry.inSync && exitCode === ExitCode.ok) {
      exitCode = ExitCode.deliveryFailed;
    }
    entries.push(entry);
  }
  if (config.envFile && config.restart !== "none") {
    const gateway = await gatewayEntry(config, run, current);
    const pending = await restartPending(config);
    if (pending && gateway.inSync) gateway.note = "recreate pending";
    entries.push(gateway);
    if ((!gateway.inSync || pending) && exitCode === ExitCode.ok) {
      exitCode = ExitCode.deliveryFailed;
    }
  }
  return { entries, exitCode };
}

/** The report as aligned human text. */
export function formatStatus(report: StatusReport, now: number): string {
  return report.entries.map((e) => {
    const state = e.kind === "source"
      ? ""
      : e.inSync
      ? "in sync"
      : "NOT in sync";
    const expiry = e.expiresAt === undefined
      ? ""
      : `expires ${timeLeft(e.expiresAt - now)}`;
    return [
      e.kind.padEnd(10),
      e.path,
      e.token ?? "(no token)",
      expiry,
      state,
      e.note ?? "",
    ].filter(Boolean).join("  ");
  }).join("\n");
}
