import type { Config } from "./config.ts";
import { ExitCode, messageOf, SyncError } from "./errors.ts";
import { readTextIfExists } from "./files.ts";
import { fingerprint } from "./fingerprint.ts";
import { configuredSinks } from "./pass.ts";
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

/** Collects the source and every sink with token fingerprints; never a token. */
export async function collectStatus(
  config: Config,
  now: number,
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
      entry.note = messageOf(err);
    }
    if (!entry.inSync && exitCode === ExitCode.ok) {
      exitCode = ExitCode.deliveryFailed;
    }
    entries.push(entry);
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
