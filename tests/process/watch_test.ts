import assert from "node:assert/strict";
import { dirname } from "node:path";
import { oauthEntry } from "../../src/sinks/oauth_json.ts";
import {
  assertNoToken,
  credentialsJson,
  Running,
  type TestLogin,
  testLogin,
  waitFor,
  Workspace,
} from "../helpers/fixture.ts";

const guards = new Map<Running, ReturnType<typeof setTimeout>>();

/** Kills an agent a test forgot (it failed before finish), so no test hangs. */
function guard(agent: Running): void {
  guards.set(agent, setTimeout(() => agent.child.kill("SIGKILL"), 60_000));
}

/** A workspace with a login delivered and a watcher running on it. */
async function watching(extra: string[] = [], wrap: string[] = []) {
  const ws = await Workspace.create();
  await ws.writeLogin(testLogin());
  await Deno.writeTextFile(ws.envFile, "A=1\n");
  await Deno.mkdir(dirname(ws.oauthJson), { recursive: true });
  const agent = Running.start(
    ws,
    ws.flags("--oauth-json", ws.oauthJson, "--settle", "200ms", ...extra),
    wrap,
  );
  await waitFor("the first pass", () => delivered(ws));
  return { ws, agent };
}

/** Whether both sinks hold the current credentials' access token (or the given login's). */
async function delivered(ws: Workspace, login?: TestLogin): Promise<boolean> {
  const text = await Deno.readTextFile(ws.credentials).catch(() => "");
  return await ws.holdsToken(
    login?.accessToken ??
      (text ? JSON.parse(text).claudeAiOauth.accessToken : "none"),
  );
}

/** The recreate calls the fake docker saw. */
async function recreates(ws: Workspace): Promise<number> {
  return (await ws.dockerCalls()).filter((c) => c.argv.startsWith("compose up"))
    .length;
}

/** Stops the agent, checks it exited 0, left no temp file and printed no token. */
async function finish(ws: Workspace, agent: Running, ...logins: TestLogin[]) {
  const status = await agent.stop();
  clearTimeout(guards.get(agent));
  assert.equal(status.code, 0, agent.stderr);
  for (const dir of [ws.claudeDir, ws.composeDir]) {
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.ok(
      !names.some((n) => n.includes(".sot-")),
      `temp file left in ${dir}: ${names}`,
    );
  }
  assertNoToken(
    agent.stderr,
    ...logins.flatMap((l) => [l.accessToken, l.refreshToken]),
  );
  await ws.cleanup();
}

Deno.test("watch: an atomic rename (Claude Code's way) is delivered to both sinks, then one recreate", async () => {
  const { ws, agent } = await watching();
  await waitFor("the first recreate", async () => await recreates(ws) === 1);
  const login = testLogin();
  await ws.writeLogin(login);
  await waitFor("delivery", () => delivered(ws, login));
  await waitFor("the second recreate", async () => await recreates(ws) === 2);
  const oauth = JSON.parse(await Deno.readTextFile(ws.oauthJson));
  assert.deepEqual(oauth.anthropic, oauthEntry(login));
  await finish(ws, agent, login);
});

Deno.test("watch: an in-place write is delivered on CLOSE_WRITE; a partial write waits for its completion", async () => {
  const { ws, agent } = await watching();
  const login = testLogin();
  await Deno.writeTextFile(ws.credentials, credentialsJson(login));
  await waitFor("in-place delivery", () => delivered(ws, login));
  const next = testLogin();
  const text = credentialsJson(next);
  const file = await Deno.open(ws.credentials, { write: true, truncate: true });
  await file.write(new TextEncoder().encode(text.slice(0, 30)));
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(await delivered(ws, login), "a partial write changes nothing");
  await file.write(new TextEncoder().encode(text.slice(30)));
  file.close();
  await waitFor("delivery after completion", () => delivered(ws, next));
  await finish(ws, agent, login, next);
});

Deno.test("watch: a 200-write burst ends in the state of its last write, with at most 2 recreates", async () => {
  const { ws, agent } = await watching();
  await waitFor("the first recreate", async () => await recreates(ws) === 1);
  let last = testLogin();
  for (let i = 0; i < 200; i++) {
    last = testLogin();
    await ws.writeLogin(last);
  }
  await waitFor("the last write delivered", () => delivered(ws, last));
  await new Promise((r) => setTimeout(r, 600));
  assert.ok(await delivered(ws, last), "still the last write");
  const burst = await recreates(ws) - 1;
  assert.ok(burst >= 1 && burst <= 2, `recreates for the burst: ${burst}`);
  await finish(ws, agent, last);
});

Deno.test("watch: the directory deleted and recreated is waited for, logged once, then followed again", async () => {
  const { ws, agent } = await watching();
  // The watcher may be writing its state file there: a second try removes it.
  await Deno.remove(ws.claudeDir, { recursive: true }).catch(() =>
    Deno.remove(ws.claudeDir, { recursive: true })
  );
  await waitFor(
    "the wait to be logged",
    () => agent.stderr.includes("waiting for"),
  );
  await new Promise((r) => setTimeout(r, 200));
  await Deno.mkdir(ws.claudeDir);
  const login = testLogin();
  await ws.writeLogin(login);
  await waitFor(
    "delivery after the directory came back",
    () => delivered(ws, login),
  );
  const again = testLogin();
  await ws.writeLogin(again);
  await waitFor("delivery of a later change", () => delivered(ws, again));
  assert.equal(agent.stderr.split("to appear").length - 1, 1, "logged once");
  await finish(ws, agent, login, again);
});

Deno.test("watch: when inotify is unavailable it falls back to polling with one warning", async () => {
  const wrap = [
    "unshare",
    "--user",
    "--map-root-user",
    "sh",
    "-c",
    'echo 0 > /proc/sys/user/max_inotify_instances && exec "$@"',
    "sh",
  ];
  const { ws, agent } = await watching(["--poll-interval", "100ms"], wrap);
  assert.match(agent.stderr, /polling .* watching is not possible/);
  const login = testLogin();
  await ws.writeLogin(login);
  await waitFor("delivery by polling", () => delivered(ws, login));
  assert.equal(agent.stderr.split("polling").length - 1, 1, "one warning");
  await finish(ws, agent, login);
});

Deno.test("watch: --poll forces polling", async () => {
  const { ws, agent } = await watching(["--poll", "--poll-interval", "100ms"]);
  assert.match(agent.stderr, /--poll is set/);
  const login = testLogin();
  await ws.writeLogin(login);
  await waitFor("delivery by polling", () => delivered(ws, login));
  await finish(ws, agent, login);
});

Deno.test("watch: SIGTERM during a recreate lets it finish, then exits 0 with no temp file", async () => {
  const { ws, agent } = await watching(["--settle", "0ms"]);
  await waitFor("the first recreate", async () => await recreates(ws) === 1);
  const slow = `#!/bin/sh
echo "{\\"argv\\":\\"$*\\",\\"cwd\\":\\"\\",\\"env\\":\\"0\\"}" >> ${ws.dockerLog}
case "$*" in "compose up"*) sleep 1; echo '{"argv":"finished","cwd":"","env":"0"}' >> ${ws.dockerLog};; esac
exit 0
`;
  await Deno.writeTextFile(`${ws.bin}/docker`, slow);
  const login = testLogin();
  await ws.writeLogin(login);
  await waitFor("the recreate to start", async () => await recreates(ws) === 2);
  agent.child.kill("SIGTERM");
  const status = await agent.done;
  assert.equal(status.code, 0);
  assert.ok(
    (await ws.dockerCalls()).some((c) => c.argv === "finished"),
    "the recreate finished",
  );
  assert.ok(await delivered(ws, login));
  await finish(ws, agent, login);
});

Deno.test("watch: a failing recreate is retried with backoff while the process stays up", async () => {
  const ws = await Workspace.create(1);
  await ws.writeLogin(testLogin());
  await Deno.writeTextFile(ws.envFile, "");
  const agent = Running.start(ws, ws.flags("--settle", "0ms"));
  guard(agent);
  await waitFor(
    "two failed attempts",
    async () => await recreates(ws) >= 2,
    15_000,
  );
  await ws.fakeDocker(0);
  await waitFor(
    "a successful retry",
    () => agent.stderr.includes("gateway recreated"),
    15_000,
  );
  assert.match(agent.stderr, /will retry/);
  await finish(ws, agent);
});

Deno.test("watch: 2,000 changes keep the RSS flat and end in the last state", async () => {
  const { ws, agent } = await watching(["--log-level", "warn"]);
  const warm = async (n: number) => {
    let last = testLogin();
    for (let i = 0; i < n; i++) {
      last = testLogin();
      await ws.writeLogin(last);
      if (i % 50 === 0) await waitFor("catch-up", () => delivered(ws, last));
    }
    await waitFor("the last change", () => delivered(ws, last));
    return last;
  };
  await warm(200);
  const before = await agent.rssKiB();
  const last = await warm(2000);
  const after = await agent.rssKiB();
  assert.ok(
    after - before < 8 * 1024,
    `RSS grew from ${before} to ${after} KiB`,
  );
  await finish(ws, agent, last);
});
