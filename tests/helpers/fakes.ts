/** In-process fakes for unit tests: a logger that keeps its lines, runners that record calls, a target's settings. */
import {
  resolveSettings,
  type TargetSettings,
} from "../../src/config/settings.ts";
import { createLogger, type Logger } from "../../src/lib/log.ts";
import type { RunOptions, RunResult } from "../../src/lib/process.ts";

/** A target's settings as the given flags resolve them (and nothing else). */
export function targetSettings(
  flags: Record<string, string | boolean> = {},
): TargetSettings {
  return resolveSettings({ flags, env: {} }).targets[0].settings;
}

/** A logger that keeps its lines. */
export function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(
    createLogger({
      format: "text",
      level: "debug",
      write: (l) => lines.push(l),
    }),
    { lines },
  );
}

/** A runner that records argv and stdin and answers with `result` (optionally after a wait). */
export function recordingRunner(result: Partial<RunResult> = {}, waitMs = 0) {
  const calls: { argv: string[]; options: RunOptions }[] = [];
  const run = async (argv: string[], options: RunOptions) => {
    calls.push({ argv, options });
    if (waitMs) await new Promise((r) => setTimeout(r, waitMs));
    return { code: 0, stdout: "", stderr: "", timedOut: false, ...result };
  };
  return { calls, run };
}

export const ok = (stdout: string): RunResult => ({
  code: 0,
  stdout,
  stderr: "",
  timedOut: false,
});
