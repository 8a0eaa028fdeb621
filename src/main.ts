/**
 * sync-oauth-token: keeps every consumer of a Claude Code login fresh.
 *
 * The flow: read the source (src/source.ts); pick the route to OpenClaw
 * (src/openclaw/route.ts, asked of the gateway in src/openclaw/deliver.ts);
 * decide per sink what changes and deliver it (src/pass.ts with src/sinks/,
 * or OpenClaw's own store in src/openclaw/); restart the gateway when its env
 * changed (src/compose.ts). Watch mode repeats it on every change
 * (src/watch.ts), timer mode refreshes the login first (src/refresh.ts).
 */
import denoJson from "../deno.json" with { type: "json" };
import { parseCommandLine } from "./cli.ts";
import {
  type Config,
  configFilePath,
  helpText,
  isBooleanFlag,
  resolveConfig,
  shownConfig,
} from "./config.ts";
import {
  ExitCode,
  messageOf,
  notPermitted,
  SyncError,
  usageError,
} from "./errors.ts";
import { redact } from "./fingerprint.ts";
import { readTextIfExists } from "./files.ts";
import { Hooks } from "./hooks.ts";
import { createLogger, type Logger, stderrIsJournal } from "./log.ts";
import { serveMetrics } from "./metrics.ts";
import { type PassDeps, syncLogin } from "./pass.ts";
import { runProcess } from "./process.ts";
import { readCredentials } from "./source.ts";
import { collectStatus, formatStatus } from "./status.ts";
import { type RefreshDeps, refreshPass, refreshTimer } from "./refresh.ts";
import { failureKind, Tracker } from "./state.ts";
import { watch } from "./watch.ts";

const USAGE =
  `sync-oauth-token ${denoJson.version}: keeps OpenClaw's Claude login fresh

usage: sync-oauth-token [watch|status|config|refresh|doctor] [options]
  watch     (default) one pass, then follow every change of the credentials file
  --once    one pass, then exit
  refresh   refresh the login at the token endpoint when due (--once: one pass; else a timer)
  status    the source and each sink with token fingerprints and expiry
  config    the effective configuration
  doctor    check every piece of the configuration and say what to fix

options (flags win over SYNC_OAUTH_TOKEN_* environment variables, which win over the config file):`;

/** Reads the config file (if any) and resolves the configuration from all sources. */
export async function loadConfig(
  flags: Record<string, string | boolean>,
  env: Record<string, string | undefined>,
): Promise<Config> {
  const { path, required } = configFilePath(flags, env);
  const text = await readTextIfExists(path).catch((err) => {
    throw usageError(`cannot read config file ${path}: ${messageOf(err)}`);
  });
  if (text === undefined && required) {
    throw usageError(`config file ${path} does not exist`);
  }
  return resolveConfig({
    flags,
    env,
    file: text === undefined ? undefined : { path, text },
  });
}

/** Prints text to standard output. */
function print(text: string): void {
  console.log(text);
}

/** Runs one pass: read the source, deliver, restart when owed; a source failure is recorded. */
async function once(config: Config, deps: RefreshDeps): Promise<number> {
  let login;
  try {
    login = (await readCredentials(config.credentials)).login;
  } catch (err) {
    deps.tracker.passFailed(failureKind(err, "source"), err);
    throw err;
  }
  return await syncLogin(config, login, deps);
}

/** Runs watch or refresh with the tracker (state file, hooks) and, outside --once, the metrics server. */
async function deliver(
  command: "watch" | "refresh",
  config: Config,
  deps: PassDeps,
  reload: () => Promise<Config>,
): Promise<number> {
  const live = !config.dryRun;
  const tracker = await Tracker.open({
    path: live ? config.stateFile : undefined,
    hooks: live ? new Hooks(config, deps.run, deps.log) : undefined,
    log: deps.log,
  });
  const run = { ...deps, tracker, observe: tracker.observe.bind(tracker) };
  const server = config.metricsListen && !config.once
    ? serveMetrics(config.metricsListen, tracker, deps.log)
    : undefined;
  try {
    if (command === "refresh") {
      return config.once
        ? await refreshPass(config, run)
        : await refreshTimer(config, run);
    }
    return config.once
      ? await once(config, run)
      : await watch(config, { ...run, reload });
  } finally {
    await server?.close();
    await tracker.idle();
  }
}

/** Runs the command line and returns the exit code. */
export async function main(args: string[], log?: Logger): Promise<number> {
  const line = parseCommandLine(args, isBooleanFlag);
  if (line.version) {
    print(denoJson.version);
    return ExitCode.ok;
  }
  if (line.help) {
    print(`${USAGE}\n${helpText(line.command)}`);
    return ExitCode.ok;
  }
  const config = await loadConfig(line.options, Deno.env.toObject());
  log ??= createLogger({
    format: config.logFormat,
    level: config.logLevel,
    journal: stderrIsJournal(Deno.env.get("JOURNAL_STREAM")),
  });
  const deps: PassDeps = { run: runProcess, log, openclaw: {} };
  switch (line.command) {
    case "config":
      print(redact(JSON.stringify(shownConfig(config), null, 2)));
      return ExitCode.ok;
    case "status": {
      const now = Date.now();
      const report = await collectStatus(config, now, deps.run);
      print(
        config.json
          ? JSON.stringify({ ok: report.exitCode === 0, ...report }, null, 2)
          : formatStatus(report, now),
      );
      return report.exitCode;
    }
    case "watch":
    case "refresh":
      return await deliver(
        line.command,
        config,
        deps,
        () => loadConfig(line.options, Deno.env.toObject()),
      );
    case "doctor": {
      // Loaded on demand: DNS and the rest of the checks cost every other command start-up time.
      const { doctorContext, doctorExitCode, formatFindings, runDoctor } =
        await import("./doctor.ts");
      const findings = await runDoctor(await doctorContext(config, deps.run));
      print(
        config.json
          ? JSON.stringify(
            { ok: doctorExitCode(findings) === 0, findings },
            null,
            2,
          )
          : formatFindings(findings),
      );
      return doctorExitCode(findings);
    }
  }
}

/** The error as one redacted line and its exit code; a missing permission names the flag. */
export function describeFailure(
  err: unknown,
): { message: string; code: number } {
  if (err instanceof SyncError) {
    return { message: err.message, code: err.exitCode };
  }
  const denied = notPermitted(err);
  if (denied) return { message: denied.message, code: denied.exitCode };
  return { message: messageOf(err), code: ExitCode.deliveryFailed };
}

if (import.meta.main) {
  const code = await main(Deno.args).catch((err) => {
    const { message, code } = describeFailure(err);
    createLogger({ format: "text", level: "error" }).error(message);
    return code;
  });
  Deno.exit(code);
}
