/** Crash safety: the watch agent killed with SIGKILL at random points of its passes. */
import assert from "node:assert/strict";
import { oauthEntry } from "../../src/sinks/oauth_json.ts";
import type { TestLogin, Workspace } from "../helpers/fixture.ts";
import { waitFor } from "../helpers/fixture.ts";
import {
  dispose,
  type FaultCase,
  faultLogin,
  sleep,
  startAgent,
  tempsIn,
  workspace,
} from "./harness.ts";

const PASSES = 200;
/** Share of passes during which the agent is killed. */
const KILL_SHARE = 0.2;
/** A kill lands at most this many ms after the credentials change: a pass takes a few ms, so many land inside one. */
const KILL_WINDOW_MS = 8;

/** The env file with the token in place; every other byte is fixed. */
function envWith(token: string): string {
  return `# gateway\r\nOPENCLAW_IMAGE=openclaw:latest\r\nexport ANTHROPIC_OAUTH_TOKEN="${token}" # kept\r\nOTHER='x y'`;
}

/** The oauth.json the agent should leave for a login: the other provider kept. */
function oauthWith(login: TestLogin): unknown {
  return { openai: { access: "o" }, anthropic: oauthEntry(login) };
}

/** Which of the logins both sinks hold; throws unless each file is whole and holds one of them. */
async function heldLogin(
  ws: Workspace,
  logins: TestLogin[],
): Promise<TestLogin[]> {
  const env = await Deno.readTextFile(ws.envFile);
  const envLogin = logins.find((l) => env === envWith(l.accessToken));
  assert.ok(
    envLogin,
    `.env is neither the old nor the new file: ${env.length} bytes`,
  );
  const oauth = JSON.parse(await Deno.readTextFile(ws.oauthJson));
  const oauthLogin = logins.find((l) =>
    JSON.stringify(oauth) === JSON.stringify(oauthWith(l))
  );
  assert.ok(oauthLogin, "oauth.json is neither the old nor the new file");
  return [envLogin, oauthLogin];
}

/** Whether both sinks hold the login (a file caught mid-rename reads as not yet). */
async function delivered(ws: Workspace, login: TestLogin): Promise<boolean> {
  try {
    const held = await heldLogin(ws, [login]);
    return held.every((l) => l === login);
  } catch {
    return false;
  }
}

/** The temp files left beside both sinks. */
function temps(ws: Workspace): string[] {
  return [
    ...tempsIn(ws.composeDir),
    ...tempsIn(`${ws.root}/openclaw/credentials`),
  ];
}

export const crashCases: FaultCase[] = [{
  name: `crash: kill -9 at random points of ${PASSES} watch passes`,
  timeoutMs: 150_000,
  async run() {
    const first = faultLogin();
    const ws = await workspace(envWith("old"));
    try {
      await Deno.writeTextFile(
        ws.oauthJson,
        JSON.stringify({ openai: { access: "o" } }),
      );
      await ws.writeLogin(first);
      const args = ws.flags(
        "--oauth-json",
        ws.oauthJson,
        "--settle",
        "50ms",
        "--log-level",
        "warn",
      );
      let agent = startAgent(ws, args);
      await waitFor("the first delivery", () => delivered(ws, first), 20_000);
      let prev = first;
      let kills = 0;
      let midWrite = 0;
      let between = 0;
      for (let pass = 0; pass < PASSES; pass++) {
        const next = faultLogin();
        await ws.writeLogin(next);
        if (Math.random() >= KILL_SHARE) {
          await waitFor(`pass ${pass}`, () => delivered(ws, next));
          prev = next;
          continue;
        }
        await sleep(Math.random() * KILL_WINDOW_MS);
        agent.child.kill("SIGKILL");
        await agent.done;
        kills++;
        const held = await heldLogin(ws, [prev, next]);
        if (held[0] !== held[1]) between++;
        if (temps(ws).length > 0) midWrite++;
        agent = startAgent(ws, args);
        await waitFor(
          `the pass after kill ${kills}`,
          () => delivered(ws, next),
          20_000,
        );
        assert.deepEqual(temps(ws), [], `temp files after kill ${kills}`);
        prev = next;
      }
      assert.equal((await agent.stop()).code, 0);
      assert.deepEqual(temps(ws), []);
      return `${PASSES} passes, ${kills} kills: every file whole with the old or new token (${between} kills between the two sinks, ${midWrite} mid-write leaving a temp file); no temp survived the next pass`;
    } finally {
      await dispose(ws);
    }
  },
}];
