/**
 * The agent every driver runs: its settings, the edges of a pass, and the
 * recorder. `pass` is the one way a driver runs a pass: runPass, then record.
 */
import { dirname } from "../lib/path.ts";
import {
  type GlobalSettings,
  legacyStatePath,
  type Settings,
  type TargetSettings,
} from "../config/settings.ts";
import { ExitCode, passExitCode } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import { runProcess } from "../lib/process.ts";
import { Hooks } from "../ops/hooks.ts";
import { Recorder } from "../ops/recorder.ts";
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

/**
 * Opens the agent of a delivering command: the state file and each
 * target's hooks (neither under --dry-run), what the last run learned of
 * each target's OpenClaw, and processes run as they are.
 */
export async function openAgent(
  settings: Settings,
  log: Logger,
): Promise<Agent> {
  const { global } = settings;
  const live = !global.dryRun;
  const recorder = await Recorder.open({
    path: live ? global.stateFile : undefined,
    legacyPath: legacyStatePath(global.credentials),
    hooks: live
      ? new Map(settings.targets.map((t) => [
        t.settings.name,
        new Hooks(t.settings, runProcess, log),
      ]))
      : undefined,
    log,
  });
  const openclaw = new Map(settings.targets.map((t) => [t.settings.name, {
    origins: t.origins,
    learned: recorder.state.targets?.[t.settings.name]?.openclaw,
  }]));
  return {
    global,
    targets: settings.targets.map((t) => t.settings),
    deps: { run: runProcess, log, openclaw },
    recorder,
    log,
  };
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
    once,
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
