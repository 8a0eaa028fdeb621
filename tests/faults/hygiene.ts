/** Secret hygiene: no full token in any output, log line, spawned argv or leftover file. */
import assert from "node:assert/strict";
import {
  credentialsJson,
  waitFor,
  type Workspace,
} from "../helpers/fixture.ts";
import { leftovers, scanAll, type Scanned } from "../helpers/hygiene.ts";
import { TokenServer } from "../helpers/token_server.ts";
import {
  dispose,
  type FaultCase,
  faultLogin,
  runTool,
  startAgent,
  transcript,
  workspace,
} from "./harness.ts";

/** Runs every command of the tool against one workspace with known tokens; returns the texts to scan. */
async function scenarios(ws: Workspace) {
  const server = new TokenServer();
  const outputs: Scanned[] = [];
  const run = async (args: string[], what: string, code?: number) => {
    const out = await runTool(ws, args, `hygiene ${what}`);
    if (code !== undefined) {
      assert.equal(out.code, code, `${what}: ${out.stderr}`);
    }
    outputs.push(
      { source: `${what} stdout`, text: out.stdout },
      { source: `${what} stderr`, text: out.stderr },
    );
  };
  try {
    const oauth = ["--oauth-json", ws.oauthJson];
    await ws.writeLogin(faultLogin(), { mcpOAuth: { kept: true } });
    await run(ws.flags("--once", ...oauth), "--once", 0);
    await run(ws.flags("--once", ...oauth), "--once again", 0);
    await ws.writeLogin(faultLogin());
    await run(ws.flags("--once", "--dry-run", ...oauth), "--dry-run", 0);
    await run(ws.flags("status", ...oauth), "status");
    await run(ws.flags("status", "--json", ...oauth), "status --json");
    await run(ws.flags("config"), "config", 0);
    await run(ws.flags("config", "--json"), "config --json", 0);
    await run(
      ws.flags(
        "--once",
        "--log-format",
        "json",
        "--log-level",
        "debug",
        ...oauth,
      ),
      "json debug log",
      0,
    );
    await ws.fakeDocker(1);
    await ws.writeLogin(faultLogin());
    await run(ws.flags("--once", ...oauth), "failing docker", 1);
    await ws.fakeDocker(0);
    const fresh = faultLogin();
    server.script({
      json: {
        access_token: fresh.accessToken,
        refresh_token: fresh.refreshToken,
        expires_in: 28800,
      },
    });
    await run(
      ws.flags(
        "refresh",
        "--once",
        "--force",
        "--token-url",
        server.url(),
        ...oauth,
      ),
      "refresh",
      0,
    );
    const bad = faultLogin();
    await ws.writeCredentialsText(
      credentialsJson({ ...bad, accessToken: `${bad.accessToken} x` }),
    );
    await run(ws.flags("--once", ...oauth), "invalid token", 4);
    const last = faultLogin();
    await ws.writeLogin(last);
    const agent = startAgent(
      ws,
      ws.flags("--log-level", "debug", "--settle", "0ms", ...oauth),
    );
    const next = faultLogin();
    await waitFor(
      "the watch pass",
      async () =>
        (await Deno.readTextFile(ws.envFile)).includes(last.accessToken),
    );
    await ws.writeLogin(next);
    await waitFor(
      "the watch change",
      async () =>
        (await Deno.readTextFile(ws.envFile)).includes(next.accessToken),
    );
    assert.equal((await agent.stop()).code, 0);
    outputs.push({ source: "watch stderr", text: agent.stderr });
    return outputs;
  } finally {
    await server.close();
  }
}

export const hygieneCases: FaultCase[] = [
  {
    name: "hygiene: every command with known tokens",
    async run() {
      const ws = await workspace("A=1\n");
      try {
        const outputs = await scenarios(ws);
        const calls = await ws.dockerCalls();
        assert.ok(calls.length > 0, "docker was called");
        assert.ok(
          calls.every((c) => c.env === "0"),
          "a token in docker's environment",
        );
        const files = await leftovers(ws.root);
        assert.ok(
          files.some((f) => f.text.includes('"argv":"compose up')),
          "the docker argv log is among the files scanned",
        );
        const texts = [...outputs, ...files];
        scanAll(texts);
        const lines = texts.reduce((n, t) => n + t.text.split("\n").length, 0);
        const runs = outputs.filter((o) => o.source.endsWith(" stdout")).length;
        return `${runs} runs + a watch agent (once, dry-run, status, config, json/debug log, failing docker, refresh, invalid token): ${lines} lines of stdout, stderr and ${files.length} leftover files (docker argv log of ${calls.length} calls among them, env clean), 0 full tokens`;
      } finally {
        await dispose(ws);
      }
    },
  },
  {
    name: "hygiene: everything the faults run printed or spawned",
    run() {
      scanAll(transcript.texts);
      const kib = transcript.texts.reduce((n, t) => n + t.text.length, 0) /
        1024;
      return Promise.resolve(
        `${transcript.texts.length} texts (${
          kib.toFixed(0)
        } KiB: every process's stdout and stderr, every docker argv) against ${transcript.tokens.size} known test tokens and token bodies: 0 full tokens`,
      );
    },
  },
];
