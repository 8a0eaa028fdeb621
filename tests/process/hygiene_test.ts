/** The suite-wide secret scan itself: it finds a token wherever a test's process prints or leaves one, and never prints it. */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fingerprint } from "../../src/lib/fingerprint.ts";
import {
  runCommand,
  Running,
  testLogin,
  tokenBody,
  Workspace,
} from "../helpers/fixture.ts";
import { scanForTokens } from "../helpers/hygiene.ts";

/** The error a rejected promise or a throwing function gave, as its message. */
async function failure(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("it did not fail");
}

/** Asserts the message names the source and the token's fingerprint, and holds no part of the token's body. */
function assertNamed(message: string, source: RegExp, token: string): void {
  assert.match(message, source);
  assert.ok(message.includes(fingerprint(token)), message);
  const body = token.replace(/^sk-ant-o[ar]t01-/, "");
  assert.ok(!message.includes(body.slice(0, 8)), "the message shows the body");
}

Deno.test("hygiene scan: a known token with or without its prefix, or anything token-shaped, throws with the source and a fingerprint; fingerprints and prefixes pass", async () => {
  const login = testLogin();
  const body = login.refreshToken.slice("sk-ant-ort01-".length);
  const stranger = `sk-ant-oat01-${"x".repeat(20)}`;
  for (
    const [text, token] of [
      [`token=${login.accessToken}\n`, login.accessToken],
      [`"refresh":"${body}"`, body],
      [`Bearer ${stranger}`, stranger],
    ]
  ) {
    assertNamed(
      await failure(() => scanForTokens("the test text", text)),
      /in the test text$/,
      token,
    );
  }
  scanForTokens(
    "fingerprints",
    `token ${
      fingerprint(login.accessToken)
    } prefix sk-ant-oat01- short sk-ant-oat01-${"x".repeat(19)} and ${
      tokenBody(8)
    }`,
  );
});

Deno.test("hygiene scan: a process printing a token fails the command; a tool process wrapped to print one rejects done", async () => {
  const token = testLogin().accessToken;
  assertNamed(
    await failure(() =>
      runCommand(["sh", "-c", 'echo "leak $T" >&2'], { T: token })
    ),
    /in stderr of sh -c echo "leak \$T" >&2$/,
    token,
  );
  const ws = await Workspace.create();
  await ws.writeLogin(testLogin());
  const agent = Running.start(
    ws,
    ws.flags("--once", "--restart", "none", "--create"),
    ["sh", "-c", `echo ${token}; exec "$@"`, "sh"],
  );
  assertNamed(
    await failure(() => agent.done),
    /in stdout of sync-oauth-token .*--once --restart none --create$/,
    token,
  );
  await ws.cleanup();
});

Deno.test("hygiene scan: cleanup throws on a token in a leftover file, the docker argv log or a temp file, passes the token holders, and removes the workspace either way", async () => {
  const login = testLogin();
  const ws = await Workspace.create();
  await ws.writeLogin(login);
  const line = `ANTHROPIC_OAUTH_TOKEN=${login.accessToken}\n`;
  await Deno.writeTextFile(ws.envFile, line);
  await Deno.writeTextFile(join(ws.root, "container.env"), line);
  await Deno.mkdir(dirname(ws.oauthJson), { recursive: true });
  await Deno.writeTextFile(ws.oauthJson, line);
  await ws.cleanup();
  assert.equal(await Deno.stat(ws.root).catch(() => "gone"), "gone");

  for (
    const name of [
      "notes.txt",
      "docker.log",
      "compose/.env.sot-0123456789abcdef.tmp",
    ]
  ) {
    const leaky = await Workspace.create();
    await Deno.writeTextFile(join(leaky.root, name), `${login.refreshToken}\n`);
    assertNamed(
      await failure(() => leaky.cleanup()),
      new RegExp(`in file ${name.replaceAll(".", "\\.")} left in /`),
      login.refreshToken,
    );
    assert.equal(await Deno.stat(leaky.root).catch(() => "gone"), "gone");
  }
});
