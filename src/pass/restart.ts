/**
 * The gateway's restart: owed from the moment a write changes what its
 * environment should hold until the recreate succeeds. What is owed is
 * remembered as a marker file in the tool's state directory, written before
 * the change and removed after the recreate, so a crash or a failing docker
 * in between leaves it owed for the next pass.
 */
import { join } from "../lib/path.ts";
import {
  composeBase,
  type ComposeConfig,
  detectCompose,
  restartGateway,
  type RestartMode,
  restartSteps,
} from "../compose/project.ts";
import { exists, writeFileAtomic } from "../lib/files.ts";
import type { Logger } from "../lib/log.ts";
import type { Runner } from "../lib/process.ts";

/** What a restart needs: the compose project, the service and the restart mode. */
export type RestartSettings = ComposeConfig & { restart: RestartMode };

/** The marker of a target's owed restart in the state directory. */
export function restartMarker(stateDir: string, target: string): string {
  return join(stateDir, `restart-owed.${target}`);
}

/** Whether an earlier pass left this target's restart owed. */
export async function restartOwed(
  stateDir: string,
  target: string,
): Promise<boolean> {
  return await exists(restartMarker(stateDir, target));
}

/** Remembers that the target owes a restart (the state directory is made when missing). */
export async function oweRestart(
  stateDir: string,
  target: string,
): Promise<void> {
  await Deno.mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(restartMarker(stateDir, target), "");
}

/** Forgets a restart that ran (or turned out not to be owed). */
export async function forgetRestart(
  stateDir: string,
  target: string,
): Promise<void> {
  await Deno.remove(restartMarker(stateDir, target)).catch(() => {});
}

/** Restarts the gateway as configured; a dry run only says what would run. */
export async function runRestart(
  settings: RestartSettings,
  run: Runner,
  log: Logger,
  dryRun: boolean,
): Promise<void> {
  if (!dryRun) return await restartGateway(run, settings);
  const base = composeBase(await detectCompose(run), settings);
  for (const step of restartSteps(settings)) {
    log.info("would run", {
      command: [...base, ...step].join(" "),
      cwd: settings.composeDir,
    });
  }
}
