/** Fakes of OpenClaw for the unit tests: its CLI behind a Runner, its store, its `models status`. */
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { RunOptions, RunResult } from "../../src/lib/process.ts";
import { MANUAL_PROFILE } from "../../src/sinks/auth_store.ts";
import { ok } from "./fakes.ts";

/** A scripted OpenClaw CLI behind a Runner: answers by subcommand, records argv and stdin. */
export function fakeCli(answers: Record<string, () => RunResult>) {
  const calls: { argv: string[]; stdin?: string }[] = [];
  const run = (argv: string[], options: RunOptions) => {
    calls.push({ argv, stdin: options.stdin });
    const key = Object.keys(answers).find((k) => argv.join(" ").includes(k));
    return Promise.resolve(key ? answers[key]() : ok(""));
  };
  return { calls, run };
}

/** A current OpenClaw's store: config_machine_state with authProfiles.store (and anthropic:manual when given). */
export async function store(manual?: Record<string, unknown>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sot-store-" });
  await Deno.mkdir(join(dir, "state"));
  const db = new DatabaseSync(join(dir, "state", "openclaw.sqlite"));
  db.exec(
    "create table config_machine_state (state_key text primary key, value_json text, updated_at_ms integer)",
  );
  db.prepare(
    "insert into config_machine_state values ('authProfiles.store', ?, 0)",
  )
    .run(JSON.stringify({
      version: 1,
      profiles: manual ? { [MANUAL_PROFILE]: manual } : {},
    }));
  db.close();
  return dir;
}

/** `models status --json` as OpenClaw 2026.9.6 prints it, for the given profiles (first = effective). */
export function statusJson(
  profiles: { id: string; type: string; expiresAt: number; token?: string }[],
): string {
  const view = profiles.map((p) => ({
    profileId: p.id,
    provider: "anthropic",
    type: p.type,
    status: "expiring",
    expiresAt: p.expiresAt,
    source: "store",
  }));
  return "Installed Gateway service state could not be verified.\n" +
    JSON.stringify({
      auth: {
        providers: [{
          provider: "anthropic",
          effective: { kind: "profiles" },
          profiles: {
            labels: profiles.map((p) =>
              p.token ? `${p.id}=token:sk-ant-o...${p.token.slice(-8)}` : p.id
            ),
          },
        }],
        oauth: {
          providers: [{
            provider: "anthropic",
            profiles: view,
            effectiveProfiles: view,
          }],
        },
      },
    });
}
