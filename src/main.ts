/**
 * sync-oauth-token: keeps every consumer of a Claude Code login fresh.
 *
 * The flow (docs/design.md draws it): the configuration (src/config/) names
 * the source and the targets; a driver (src/drivers/: --once, watch, the
 * refresh timer) runs passes; a pass (src/pass/) reads the login
 * (src/login/), delivers it to each target's sinks (src/sinks/) or its
 * OpenClaw (src/openclaw/), and restarts the gateway through compose
 * (src/compose/) when its environment changed; src/ops/ records each
 * outcome and answers status, doctor and /metrics. src/lib/ is the ground.
 */
import denoJson from "../deno.json" with { type: "json" };
import { parseCommandLine } from "./config/args.ts";
import { loadSettings } from "./config/load.ts";
import { assertDestinations } from "./config/destination.ts";
import type { Settings } from "./config/settings.ts";
import { openAgent } from "./drivers/agent.ts";
import { once } from "./drivers/once.ts";
import { refreshOnce, refreshTimer } from "./drivers/refresh.ts";
import { watch } from "./drivers/watch.ts";
import { ExitCode, messageOf, notPermitted, SyncError } from "./lib/errors.ts";
import { createLogger, type Logger, stderrIsJournal } from "./lib/log.ts";
import { runProcess } from "./lib/process.ts";
import { withNativeOpenClaw } from "./openclaw/native.ts";

/** Prints text to standard output. */
function print(text: string): void {
  console.log(text);
}

/** Runs watch or refresh: the agent (state file, hooks) and, outside --once, the metrics server around the driver. */
async function deliver(
  command: "watch" | "refresh",
  settings: Settings,
  log: Logger,
  reload: () => Promise<Settings>,
): Promise<number> {
  assertDestinations(settings.targets);
  const agent = await openAgent(settings, log);
  const { global } = settings;
  const server = global.metricsListen && !global.once
    ? (await import("./ops/metrics.ts")).serveMetrics(
      global.metricsListen,
      agent.recorder,
      log,
    )
    : undefined;
  try {
    if (command === "refresh") {
      return global.once ? await refreshOnce(agent) : await refreshTimer(agent);
    }
    return global.once ? await once(agent) : await watch(agent, { reload });
  } finally {
    await server?.close();
  }
}

/** Runs the command line and returns the exit code. */
export async function main(args: string[], log?: Logger): Promise<number> {
  const line = parseCommandLine(args);
  if (line.version) {
    print(denoJson.version);
    return ExitCode.ok;
  }
  // The modules of status, doctor, config, help and /metrics are loaded
  // when they run: the watch agent keeps none of them in memory
  // (docs/performance.md).
  if (line.help) {
    const { helpText, usage } = await import("./config/help.ts");
    print(`${usage(denoJson.version)}\n\n${helpText(line.command)}`);
    return ExitCode.ok;
  }
  const load = async () =>
    await withNativeOpenClaw(
      await loadSettings(line.options, Deno.env.toObject()),
      { env: Deno.env.toObject(), uid: Deno.uid() },
    );
  const settings = await load();
  const { global } = settings;
  log ??= createLogger({
    format: global.logFormat,
    level: global.logLevel,
    journal: stderrIsJournal(Deno.env.get("JOURNAL_STREAM")),
  });
  switch (line.command) {
    case "config": {
      const { settingsJson, showSettings } = await import("./config/show.ts");
      print(
        global.json
          ? JSON.stringify(settingsJson(settings), null, 2)
          : showSettings(settings),
      );
      return ExitCode.ok;
    }
    case "status": {
      const { collectStatus, formatStatus } = await import("./ops/status.ts");
      const now = Date.now();
      const report = await collectStatus(
        global,
        settings.targets,
        now,
        runProcess,
      );
      print(
        global.json
          ? JSON.stringify({ ok: report.exitCode === 0, ...report }, null, 2)
          : formatStatus(report, now),
      );
      return report.exitCode;
    }
    case "watch":
    case "refresh":
      return await deliver(line.command, settings, log, load);
    case "doctor": {
      const { doctorContext, doctorExitCode, formatFindings, runDoctor } =
        await import("./ops/doctor/doctor.ts");
      const findings = await runDoctor(
        await doctorContext(settings, runProcess),
      );
      const code = doctorExitCode(findings);
      print(
        global.json
          ? JSON.stringify({ ok: code === 0, findings }, null, 2)
          : formatFindings(findings),
      );
      return code;
    }
  }
}

/** The error as one line and its exit code; a missing permission names the flag. */
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
