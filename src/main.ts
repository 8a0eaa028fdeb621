/**
 * sync-oauth-token: keeps every consumer of a Claude Code login fresh.
 *
 * The flow: read the source (src/source.ts), decide per sink what changes and
 * deliver it (src/pass.ts with src/sinks/), restart the gateway when its env
 * changed (src/compose.ts); watch mode repeats it on every change
 * (src/watch.ts).
 */
import denoJson from "../deno.json" with { type: "json" };
import { parseCommandLine } from "./cli.ts";
import {
  type Config,
  configFilePath,
  helpText,
  isBooleanFlag,
  resolveConfig,
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
import { createLogger, type Logger } from "./log.ts";
import { type PassDeps, syncLogin } from "./pass.ts";
import { runProcess } from "./process.ts";
import { readCredentials } from "./source.ts";
import { collectStatus, formatStatus } from "./status.ts";
import { refreshPass, refreshTimer } from "./refresh.ts";
import { watch } from "./watch.ts";

const USAGE =
  `sync-oauth-token ${denoJson.version}: keeps OpenClaw's Claude login fresh

usage: sync-oauth-token [watch|status|config|refresh] [options]
  watch     (default) one pass, then follow every change of the credentials file
  --once    one pass, then exit
  refresh   refresh the login at the token endpoint when due (--once: one pass; else a timer)
  status    the source and each sink with token fingerprints and expiry
  config    the effective configuration

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

/** Runs one pass: read the source, deliver, restart when owed. */
async function once(config: Config, deps: PassDeps): Promise<number> {
  const { login } = await readCredentials(config.credentials);
  return await syncLogin(config, login, deps);
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
  log ??= createLogger({ format: config.logFormat, level: config.logLevel });
  const deps: PassDeps = { run: runProcess, log };
  switch (line.command) {
    case "config":
      print(redact(JSON.stringify(config, null, 2)));
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
      return config.once ? await once(config, deps) : await watch(config, {
        ...deps,
        reload: () => loadConfig(line.options, Deno.env.toObject()),
      });
    case "refresh":
      return config.once
        ? await refreshPass(config, deps)
        : await refreshTimer(config, deps);
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
