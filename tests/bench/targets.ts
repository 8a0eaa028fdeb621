/** Rename to every target: one agent delivering to N `.env` consumers (targets.d), p50/p99 over 40 renames. */
import { join } from "node:path";
import { envValue } from "../../src/lib/dotenv.ts";
import { Running, testLogin, waitFor, Workspace } from "../helpers/fixture.ts";

/** The q-quantile of numbers (nearest rank). */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

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
    const watcher = Deno.watchFs(dirs);
    const events = watcher[Symbol.asyncIterator]();
    const latencies: number[] = [];
    for (let i = 0; i < 40; i++) {
      const login = testLogin();
      const t0 = performance.now();
      await ws.writeLogin(login);
      while (!(await all(login.accessToken))) await events.next();
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
    watcher.close();
    console.log(
      `rename -> ${n} target${n > 1 ? "s" : ""} updated (40 changes): p50 ${
        quantile(latencies, 0.5).toFixed(1)
      } ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms`,
    );
    await agent.stop();
    await ws.cleanup();
  }
}
