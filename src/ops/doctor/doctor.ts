/**
 * `sync-oauth-token doctor`: checks every piece of the configuration and says
 * what to fix, one line each. Each check is its own module; they run
 * concurrently and print in order.
 */
import { lookup } from "node:dns/promises";
import type { Settings } from "../../config/settings.ts";
import { ExitCode, messageOf } from "../../lib/errors.ts";
import type { Runner } from "../../lib/process.ts";
import { readState } from "../state.ts";
import { agentCheck } from "./agent.ts";
import {
  type Check,
  type DoctorContext,
  type Finding,
  finding,
} from "./check.ts";
import { credentialsCheck } from "./credentials.ts";
import { directoriesCheck } from "./directories.ts";
import { dockerCheck } from "./docker.ts";
import { hooksCheck } from "./hooks.ts";
import { inotifyCheck } from "./inotify.ts";
import { openclawCheck } from "./openclaw.ts";
import { targetsCheck } from "./targets.ts";
import { tokenEndpointCheck } from "./token_endpoint.ts";

/** Every check, in report order. */
export const CHECKS: readonly Check[] = [
  credentialsCheck,
  targetsCheck,
  directoriesCheck,
  inotifyCheck,
  dockerCheck,
  openclawCheck,
  tokenEndpointCheck,
  hooksCheck,
  agentCheck,
];

/** Runs the checks concurrently; a check that throws is a failure of that check. */
export async function runDoctor(
  ctx: DoctorContext,
  checks: readonly Check[] = CHECKS,
): Promise<Finding[]> {
  const results = await Promise.all(
    checks.map((c) =>
      c.run(ctx).catch((err) => [
        finding(c.name, "fail", `check failed: ${messageOf(err)}`),
      ])
    ),
  );
  return results.flat();
}

/** Text with its line breaks and their indentation folded into single spaces. */
function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, " ");
}

/** The report: one line per finding (with its target, when there are several), the fix after a semicolon. */
export function formatFindings(findings: Finding[]): string {
  const named = new Set(findings.map((f) => f.target).filter(Boolean)).size > 1;
  return findings.map((f) => {
    const check = named && f.target ? `${f.check} [${f.target}]` : f.check;
    return `${f.verdict.toUpperCase().padEnd(4)}  ${check.padEnd(15)} ${
      oneLine(f.detail)
    }${f.fix ? `; fix: ${f.fix}` : ""}`;
  }).join("\n");
}

/** 0 when nothing failed (warnings allowed), else 1. */
export function doctorExitCode(findings: Finding[]): number {
  return findings.some((f) => f.verdict === "fail")
    ? ExitCode.deliveryFailed
    : ExitCode.ok;
}

/** The doctor's real edges: processes, DNS, inotify, HTTP. */
export async function doctorContext(
  settings: Settings,
  run: Runner,
): Promise<DoctorContext> {
  return {
    global: settings.global,
    targets: settings.targets,
    run,
    now: Date.now(),
    state: await readState(settings.global.stateFile),
    resolve: async (host) =>
      (await lookup(host, { all: true })).map((a) => a.address),
    watchFs: (dir) => Deno.watchFs(dir, { recursive: false }),
    fetch,
  };
}
