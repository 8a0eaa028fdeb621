/** `--once`: one pass with the restarts it owes, for cron and systemd timers. */
import { outcomeExitCode } from "../pass/pass.ts";
import { type Agent, finished, pass } from "./agent.ts";

/** Runs one pass and returns its exit code; a hook that could not start fails it too. */
export async function once(agent: Agent): Promise<number> {
  const outcome = await pass(agent, { restart: true, once: true });
  return await finished(agent, outcomeExitCode(outcome));
}
