/** Rename to every target: one agent delivering to N `.env` consumers (targets.d), p50/p99 over 40 renames. */
import { join } from "node:path";
import { envValue } from "../../src/lib/dotenv.ts";
import { Running, testLogin, waitFor, Workspace } from "../helpers/fixture.ts";
import { percentiles, renameLatencies } from "./latency.ts";

/** A workspace with n targets, each its own directory and .env (no restart: the cost measured is the delivery). */
async function withTargets(n: number) {
  const ws = await Workspace.create();
  await ws.writeLogin(testLogin());
  const dirs = Array.from({ length: n }, (_, i) => join(ws.root, `t${i}`));
  await Deno.mkdir(join(ws.root, "targets.d"));
  for (const [i, dir] of dirs.entries()) {
    await Deno.mkdir(dir);
    await Deno.writeTextFile(join(dir, ".env"), "A=1\n");
    await Deno.writeTextFile(
      join(ws.root, "targets.d", `t${i}.env`),
      `SYNC_OAUTH_TOKEN_ENV_FILE=${dir}/.env\nSYNC_OAUTH_TOKEN_RESTART=none\nSYNC_OAUTH_TOKEN_OPENCLAW=env-only\n`,
    );
  }
  const all = async (token: string) => {
    for (const dir of dirs) {
      const text = await Deno.readTextFile(join(dir, ".env"));
      if (envValue(text, "ANTHROPIC_OAUTH_TOKEN") !== token) return false;
    }
    return true;
  };
  return { ws, dirs, all };
}

/** Prints rename -> every target holds the token, for each count of targets. */
export async function benchTargets(counts: number[]): Promise<void> {
  for (const n of counts) {
    const { ws, dirs, all } = await withTargets(n);
    const agent = Running.start(ws, [
      "--credentials",
      ws.credentials,
      "--config",
      ws.configFile,
      "--log-level",
      "warn",
    ]);
    const first =
      JSON.parse(await Deno.readTextFile(ws.credentials)).claudeAiOauth;
    await waitFor("the first pass", () => all(first.accessToken), 20_000);
    const latencies = await renameLatencies(ws, dirs, all, 40);
    console.log(
      `rename -> ${n} target${n > 1 ? "s" : ""} updated (40 changes): ${
        percentiles(latencies)
      }`,
    );
    await agent.stop();
    await ws.cleanup();
  }
}
