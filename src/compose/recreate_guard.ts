/**
 * Whether recreating the gateway for a `.env` change would change anything:
 * not when the resolved project gives the gateway's service neither the
 * `.env` as env_file nor an environment entry carrying the key (OpenClaw's
 * compose files before 2026's env_file). Then the recreate is not run, and
 * the user hears once which line would carry it.
 */
import type { Logger } from "../lib/log.ts";
import type { Runner } from "../lib/process.ts";
import type { ComposeConfig } from "./project.ts";
import { envReachOf } from "./resolved.ts";

/** What a process remembers of the question: the `.env` found to reach (or whose project cannot tell), and whether it has warned. */
export interface RecreateMemo {
  envReach?: string;
  said?: { env?: boolean };
}

/** True when the `.env` cannot reach the gateway's container (said once as a warning with the fix); asks the project once per process while it reaches. */
export async function recreateChangesNothing(
  target: ComposeConfig & { envFile?: string; envKey: string },
  memo: RecreateMemo,
  run: Runner,
  log: Logger,
): Promise<boolean> {
  if (!target.envFile || memo.envReach === target.envFile) return false;
  const reach = await envReachOf(run, { ...target, envFile: target.envFile });
  // A project that reaches the gateway (or cannot tell) is not asked again;
  // one that does not is, so a fixed compose file counts at the next change.
  if (reach.reaches === true || (reach.reaches === undefined && !reach.yet)) {
    memo.envReach = target.envFile;
  }
  if (reach.reaches !== false) return false;
  memo.said ??= {};
  if (!memo.said.env) {
    memo.said.env = true;
    log.warn(
      `${target.envFile} does not reach ${target.service}'s container: its compose service takes ${target.envKey} neither through env_file nor in its environment, so recreating it would change nothing and is not done; fix: ${reach.fix}`,
      { service: target.service },
    );
  }
  return true;
}
