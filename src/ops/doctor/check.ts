/** What a doctor check is: what it may touch, and the findings it returns. */
import type { GlobalSettings, Target } from "../../config/settings.ts";
import type { Runner } from "../../lib/process.ts";
import type { AgentState } from "../state.ts";

/** How a finding reads: fine, worth a look, or broken. */
export type Verdict = "ok" | "warn" | "fail";

/** One line of the doctor's report: what was checked (for which target), the verdict, what was found and what to do. */
export interface Finding {
  check: string;
  target?: string;
  verdict: Verdict;
  detail: string;
  fix?: string;
}

/** What the checks may touch; every edge injectable. */
export interface DoctorContext {
  global: GlobalSettings;
  targets: Target[];
  run: Runner;
  now: number;
  state?: AgentState;
  resolve: (host: string) => Promise<string[]>;
  watchFs: (dir: string) => { close(): void };
  fetch: typeof fetch;
}

/** One independent check: a name and what it finds. */
export interface Check {
  name: string;
  run(ctx: DoctorContext): Promise<Finding[]>;
}

/** A finding. */
export function finding(
  check: string,
  verdict: Verdict,
  detail: string,
  fix?: string,
): Finding {
  return { check, verdict, detail, ...(fix ? { fix } : {}) };
}

/** A check run once per target, its findings named after the target. */
export function perTarget(
  name: string,
  each: (target: Target, ctx: DoctorContext) => Promise<Finding[]>,
): Check {
  return {
    name,
    async run(ctx) {
      const all = await Promise.all(
        ctx.targets.map(async (t) =>
          (await each(t, ctx)).map((f) => ({ ...f, target: t.settings.name }))
        ),
      );
      return all.flat();
    },
  };
}
