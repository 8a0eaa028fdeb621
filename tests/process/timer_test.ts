/** Timer mode (`refresh` without --once) and dead logins in timer and watch mode, as processes. */
import assert from "node:assert/strict";
import {
  assertNoToken,
  Running,
  testLogin,
  tokenBody,
  waitFor,
  Workspace,
} from "../helpers/fixture.ts";
import { TokenServer } from "../helpers/token_server.ts";

/** A workspace with a login expiring in `expiresInMs`, an env file, and a mock token endpoint. */
async function setup(expiresInMs: number) {
  const ws = await Workspace.create();
  const login = testLogin(expiresInMs);
  await ws.writeLogin(login);
  await Deno.writeTextFile(ws.envFile, "A=1\n");
  const server = new TokenServer();
  const endpoint = ["--token-url", server.url(), "--restart", "none"];
  return { ws, login, server, endpoint };
}

/** A granted token response and its tokens. */
function granted(expiresIn = 28800) {
  const access = `sk-ant-oat01-${tokenBody()}`;
  const refresh = `sk-ant-ort01-${tokenBody()}`;
  return {
    access,
    refresh,
    json: {
      access_token: access,
      refresh_token: refresh,
      expires_in: expiresIn,
    },
  };
}

/** Starts the tool; a test that fails before stopping it still ends it. */
function start(ws: Workspace, args: string[]) {
  const agent = Running.start(ws, args);
  const killer = setTimeout(() => agent.child.kill("SIGKILL"), 60_000);
  return {
    agent,
    stop: async () => {
      clearTimeout(killer);
      return (await agent.stop()).code;
    },
  };
}

/** Whether the env file holds this access token. */
async function envHolds(ws: Workspace, token: string): Promise<boolean> {
  return (await Deno.readTextFile(ws.envFile)).includes(
    `ANTHROPIC_OAUTH_TOKEN=${token}\n`,
  );
}

/** Whether the process has not exited. */
async function stillRunning(agent: Running): Promise<boolean> {
  return await Promise.race([
    agent.done.then(() => false),
    pause(100).then(() => true),
  ]);
}

/** Waits the given time (to show that something does not happen). */
function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

Deno.test("refresh timer: the token entering the refresh window wakes a pass that refreshes once, long before --interval; SIGTERM exits 0", async () => {
  const { ws, login, server, endpoint } = await setup(3600e3 + 2_500);
  const g = granted();
  server.script({ json: g.json });
  const { agent, stop } = start(ws, [
    ...ws.flags("refresh", "--interval", "1h", ...endpoint),
  ]);
  try {
    await waitFor("the first pass", () => envHolds(ws, login.accessToken));
    assert.equal(server.requests.length, 0, "not due yet: no POST");
    await waitFor("the refresh", () => envHolds(ws, g.access));
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0].body.refresh_token, login.refreshToken);
    const stored = JSON.parse(await Deno.readTextFile(ws.credentials));
    assert.equal(stored.claudeAiOauth.accessToken, g.access);
    assert.equal(stored.claudeAiOauth.refreshToken, g.refresh);
    await pause(1_500);
    assert.equal(server.requests.length, 1, "the new token is 8 h away");
  } finally {
    assert.equal(await stop(), 0, agent.stderr);
    await server.close();
  }
  assertNoToken(agent.stderr, login.accessToken, g.access, g.refresh);
  await ws.cleanup();
});

Deno.test("refresh timer: a due token is refreshed at the first pass; every --interval a pass puts back a sink that drifted", async () => {
  const { ws, login, server, endpoint } = await setup(10 * 60_000);
  const g = granted();
  server.script({ json: g.json });
  const { agent, stop } = start(ws, [
    ...ws.flags("refresh", "--interval", "1s", ...endpoint),
  ]);
  try {
    await waitFor("the refresh", () => envHolds(ws, g.access));
    assert.equal(server.requests[0].body.refresh_token, login.refreshToken);
    await Deno.writeTextFile(ws.envFile, "ANTHROPIC_OAUTH_TOKEN=stale\n");
    await waitFor("the next timer pass", () => envHolds(ws, g.access));
    await Deno.writeTextFile(ws.envFile, "ANTHROPIC_OAUTH_TOKEN=stale\n");
    await waitFor("the pass after it", () => envHolds(ws, g.access));
    assert.equal(server.requests.length, 1, "passes without a POST");
  } finally {
    assert.equal(await stop(), 0, agent.stderr);
    await server.close();
  }
  await ws.cleanup();
});

Deno.test("refresh timer: invalid_grant keeps it running without retrying the dead token; status says 'login ended' until the credentials change", async () => {
  const { ws, login, server, endpoint } = await setup(10 * 60_000);
  server.script({ status: 400, json: { error: "invalid_grant" } });
  const { agent, stop } = start(ws, [
    ...ws.flags("refresh", "--interval", "1s", ...endpoint),
  ]);
  try {
    await waitFor("the refusal", () => server.requests.length === 1);
    await waitFor(
      "the record",
      async () =>
        (await ws.run(ws.flags("status", "--restart", "none"))).code === 3,
    );
    await pause(2_500);
    assert.equal(server.requests.length, 1, "two more passes, no POST");
    assert.ok(await stillRunning(agent), "it keeps running");
    const status = await ws.run(ws.flags("status", "--restart", "none"));
    assert.equal(status.code, 3);
    assert.match(
      status.stdout,
      /^login .*login ended: the token endpoint refused refresh token …\S+ \d+s ago; log in again with `claude`$/m,
    );
    assert.match(status.stdout, /^last pass .*(FAILED|ok) .*\(timer\)/m);
    assert.ok(await envHolds(ws, login.accessToken), "still delivered");

    const fresh = testLogin(10 * 60_000);
    const g = granted();
    server.script({ json: g.json });
    await ws.writeLogin(fresh);
    await waitFor("the new login refreshed", () => envHolds(ws, g.access));
    assert.equal(server.requests.length, 2);
    assert.equal(server.requests[1].body.refresh_token, fresh.refreshToken);
    const after = await ws.run(ws.flags("status", "--restart", "none"));
    assert.doesNotMatch(after.stdout, /login ended/);
    assert.equal(after.code, 0, after.stdout);
  } finally {
    assert.equal(await stop(), 0, agent.stderr);
    await server.close();
  }
  assertNoToken(agent.stderr, login.accessToken, login.refreshToken);
  await ws.cleanup();
});

Deno.test("refresh --once: a refresh token refused before is not sent again; the login is still delivered, exit 3", async () => {
  const { ws, login, server, endpoint } = await setup(10 * 60_000);
  server.script({ status: 400, json: { error: "invalid_grant" } });
  const flags = ws.flags("refresh", "--once", ...endpoint);
  assert.equal((await ws.run(flags)).code, 3);
  const again = await ws.run(flags);
  assert.equal(again.code, 3);
  assert.match(again.stderr, /refused refresh token …\S+ before/);
  assert.equal(server.requests.length, 1, "no second POST");
  assert.ok(await envHolds(ws, login.accessToken));
  const g = granted();
  server.script({ json: g.json });
  assert.equal((await ws.run([...flags, "--force"])).code, 0, "--force tries");
  assert.equal(server.requests.length, 2);
  await server.close();
  await ws.cleanup();
});

Deno.test("watch refresh-ahead: invalid_grant is recorded, /healthz and status say 'login ended', no retry; new credentials clear it", async () => {
  const { ws, server, endpoint } = await setup(10 * 60_000);
  server.script({ status: 400, json: { error: "invalid_grant" } });
  const { agent, stop } = start(ws, [
    ...ws.flags("--metrics-listen", "127.0.0.1:0", ...endpoint),
  ]);
  try {
    await waitFor("the refusal", () => server.requests.length === 1);
    let base = "";
    await waitFor("the metrics url", () => {
      base = /url=(\S+)/.exec(agent.stderr)?.[1] ?? "";
      return base !== "";
    });
    await waitFor("/healthz 503", async () => {
      const r = await fetch(`${base}/healthz`);
      const body = await r.text();
      return r.status === 503 && /login ended/.test(body);
    });
    const status = await ws.run(ws.flags("status", "--restart", "none"));
    assert.equal(status.code, 3);
    assert.match(status.stdout, /log in again with `claude`/);

    await ws.writeLogin(testLogin());
    await waitFor("/healthz 200", async () => {
      const r = await fetch(`${base}/healthz`);
      await r.body?.cancel();
      return r.status === 200;
    });
    const after = await ws.run(ws.flags("status", "--restart", "none"));
    assert.doesNotMatch(after.stdout, /login ended/);
    assert.equal(server.requests.length, 1, "the dead token was sent once");
  } finally {
    assert.equal(await stop(), 0, agent.stderr);
    await server.close();
  }
  await ws.cleanup();
});
