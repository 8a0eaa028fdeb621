/** Permissions: new files are 0600, wide sinks are kept and warned about once, a world-writable credentials directory is refused. */
import assert from "node:assert/strict";
import { envValue } from "../../src/lib/dotenv.ts";
import { MAIN, RUN_FLAGS, runCommand, waitFor } from "../helpers/fixture.ts";
import {
  dispose,
  type FaultCase,
  faultLogin,
  record,
  runTool,
  snapshot,
  startAgent,
  touched,
  workspace,
} from "./harness.ts";

const KEY = "ANTHROPIC_OAUTH_TOKEN";

/** The permission bits of a file. */
async function modeOf(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o7777;
}

export const permissionCases: FaultCase[] = [
  {
    name: "permissions: files the agent creates are 0600, even under umask 000",
    async run() {
      const ws = await workspace("");
      try {
        await Deno.remove(ws.envFile);
        const login = faultLogin();
        await ws.writeLogin(login);
        const out = await runCommand(
          [
            "sh",
            "-c",
            'umask 000 && exec "$@"',
            "sh",
            Deno.execPath(),
            "run",
            ...RUN_FLAGS,
            MAIN,
            ...ws.flags("--once", "--create", "--oauth-json", ws.oauthJson),
          ],
          ws.env(),
        );
        record("umask 000: stderr", out.stderr);
        assert.equal(out.code, 0, out.stderr);
        const modes = [await modeOf(ws.envFile), await modeOf(ws.oauthJson)];
        assert.deepEqual(modes, [0o600, 0o600]);
        assert.equal(
          envValue(await Deno.readTextFile(ws.envFile), KEY),
          login.accessToken,
        );
        return "new .env and oauth.json created 0600 under umask 000";
      } finally {
        await dispose(ws);
      }
    },
  },
  {
    name: "permissions: sinks of mode 0644 are kept 0644 and warned about once",
    async run() {
      const ws = await workspace("A=1\n");
      try {
        await Deno.writeTextFile(ws.oauthJson, "{}");
        await Deno.chmod(ws.envFile, 0o644);
        await Deno.chmod(ws.oauthJson, 0o644);
        let login = faultLogin();
        await ws.writeLogin(login);
        const agent = startAgent(
          ws,
          ws.flags("--oauth-json", ws.oauthJson, "--settle", "0ms"),
        );
        const changes = 3;
        for (let i = 0; i < changes; i++) {
          if (i > 0) {
            login = faultLogin();
            await ws.writeLogin(login);
          }
          const token = login.accessToken;
          await waitFor(
            `change ${i}`,
            async () =>
              envValue(await Deno.readTextFile(ws.envFile), KEY) === token,
          );
        }
        assert.equal((await agent.stop()).code, 0);
        const modes = [await modeOf(ws.envFile), await modeOf(ws.oauthJson)];
        assert.deepEqual(modes, [0o644, 0o644], "modes kept");
        for (const path of [ws.envFile, ws.oauthJson]) {
          const warnings = agent.stderr.split("\n").filter((l) =>
            l.startsWith(`WARN  ${path} has mode 0644, wider than 0600`)
          );
          assert.equal(warnings.length, 1, `${path}: ${agent.stderr}`);
        }
        return `${changes} deliveries to each in one watch process: modes kept 0644, one "has mode 0644, wider than 0600" warning per file`;
      } finally {
        await dispose(ws);
      }
    },
  },
  {
    name:
      "permissions: a world-writable credentials directory (0777, sticky 1777) is refused",
    async run() {
      const ws = await workspace("A=1\n");
      try {
        await ws.writeLogin(faultLogin());
        const figures = [];
        for (const mode of [0o777, 0o1777]) {
          await Deno.chmod(ws.claudeDir, mode);
          const before = await snapshot(ws.root);
          const out = await runTool(
            ws,
            ws.flags("--once"),
            `credentials dir ${mode.toString(8)}`,
          );
          assert.equal(out.code, 4, out.stderr);
          assert.match(out.stderr, /is world-writable, mode 0?1?777/);
          if (mode & 0o1000) assert.match(out.stderr, /sticky like \/tmp/);
          assert.deepEqual(touched(before, await snapshot(ws.root), []), []);
          figures.push(`${mode.toString(8).padStart(4, "0")} exit 4`);
        }
        await Deno.chmod(ws.claudeDir, 0o755);
        const ok = await runTool(
          ws,
          ws.flags("--once"),
          "credentials dir 0755",
        );
        assert.equal(ok.code, 0, ok.stderr);
        return `${
          figures.join(", ")
        } ("its directory … is world-writable, mode 1777 (sticky like /tmp, …)"), nothing written; 0755 delivers`;
      } finally {
        await dispose(ws);
      }
    },
  },
];
