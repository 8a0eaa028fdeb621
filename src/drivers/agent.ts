/**
 * The agent every driver runs: its settings, the edges of a pass, and the
 * recorder. `pass` is the one way a driver runs a pass: runPass, then record.
 */
import { dirname } from "node:path";
import type { GlobalSettings, TargetSettings } from "../config/settings.ts";
import { ExitCode, passExitCode } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { Recorder } from "../ops/recorder.ts";
import { type PassDeps, type PassOutcome, runPass } from "../pass/pass.ts";

/** Everything a driver works with. */
export interface Agent {
  global: GlobalSettings;
  targets: TargetSettings[];
  deps: PassDeps;
  recorder: Recorder;
  log: Logger;
  /** The token endpoint's fetch and the clock, when a test replaces them. */
  fetch?: typeof fetch;
  now?: () => number;
}

/** Runs one pass over every target and records its outcome; `restart` runs the restarts owed, `once` marks a one-shot run. */
export async function pass(
  agent: Agent,
  { restart, once = false }: { restart: boolean; once?: boolean },
): Promise<PassOutcome> {
  const outcome = await runPass(agent.targets, agent.deps, {
    credentials: agent.global.credentials,
    stateDir: dirname(agent.global.stateFile),
    restart,
    dryRun: agent.global.dryRun,
    refreshBefore: agent.global.refreshBefore,
    now: agent.now,
  });
  agent.recorder.record(outcome, { once });
  return outcome;
}

/** The exit code of a one-shot run once its state is written and its hooks have run: the run's own code, else a hook's that could not start. */
export async function finished(agent: Agent, code: number): Promise<number> {
  await agent.recorder.idle();
  return code !== ExitCode.ok
    ? code
    : passExitCode(agent.recorder.hookStartFailures());
}
