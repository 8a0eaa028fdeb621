/** Secret hygiene: no full token in any output, log line, spawned argv or leftover file. */
import assert from "node:assert/strict";
import {
  credentialsJson,
  waitFor,
  type Workspace,
} from "../helpers/fixture.ts";
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

/** Anything shaped like a full token (the shape assertNoToken uses). */
const TOKEN_SHAPE = /sk-ant-o[ar]t01-[A-Za-z0-9_-]{20,}/;

/** The sources whose text holds a known token or something shaped like one. */
function leaks(
  texts: { source: string; text: string }[],
  tokens: Set<string>,
): string[] {
  return texts.filter(({ text }) =>
    TOKEN_SHAPE.test(text) || [...tokens].some((t) => text.includes(t))
  ).map(({ source }) => source);
}

/** Every file under the workspace except the ones meant to hold tokens (the fake gateway's environment too), as texts to scan. */
async function leftoverFiles(
  ws: Workspace,
): Promise<{ source: string; text: string }[]> {
  const holders = [
    ws.credentials,
    ws.envFile,
    ws.oauthJson,
    `${ws.root}/container.env`,
  ];
  const found: { source: string; text: string }[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && !holders.includes(path)) {
        found.push({ source: path, text: await Deno.readTextFile(path) });
      }
    }
  };
  await walk(ws.root);
  return found;
}

/** Runs every command of the tool against one workspace with known tokens; returns the texts to scan. */
async function scenarios(ws: Workspace) {
  const server = new TokenServer();
  const outputs: { source: string; text: string }[] = [];
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
        const argv = {
          source: "docker argv",
          text: calls.map((c) => c.argv).join("\n"),
        };
        const files = await leftoverFiles(ws);
        const texts = [...outputs, argv, ...files];
        const found = leaks(texts, transcript.tokens);
        assert.deepEqual(found, [], "full tokens found");
        const lines = texts.reduce((n, t) => n + t.text.split("\n").length, 0);
        const runs = outputs.filter((o) => o.source.endsWith(" stdout")).length;
        return `${runs} runs + a watch agent (once, dry-run, status, config, json/debug log, failing docker, refresh, invalid token): ${lines} lines of stdout, stderr, docker argv (${calls.length} calls, env clean) and ${files.length} leftover files, 0 full tokens`;
      } finally {
        await dispose(ws);
      }
    },
  },
  {
    name: "hygiene: everything the faults run printed or spawned",
    run() {
      const found = leaks(transcript.texts, transcript.tokens);
      assert.deepEqual(found, [], "full tokens found");
      const kib = transcript.texts.reduce((n, t) => n + t.text.length, 0) /
        1024;
      return Promise.resolve(
        `${transcript.texts.length} texts (${
          kib.toFixed(0)
        } KiB: every process's stdout and stderr, every docker argv) against ${transcript.tokens.size} test tokens: 0 full tokens`,
      );
    },
  },
];
