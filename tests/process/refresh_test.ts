import assert from "node:assert/strict";
import { join } from "node:path";
import {
  refreshLogin,
  retryAfterMs,
  TransientRefreshError,
} from "../../src/login/token_endpoint.ts";
import {
  assertNoToken,
  Running,
  testLogin,
  tokenBody,
  waitFor,
  Workspace,
} from "../helpers/fixture.ts";
import { TokenServer } from "../helpers/token_server.ts";

/** A workspace holding a login that expires in `expiresInMs`, an env file, and a mock token endpoint. */
async function setup(expiresInMs = 10 * 60_000) {
  const ws = await Workspace.create();
  const login = testLogin(expiresInMs);
  await ws.writeLogin(login, { mcpOAuth: { keep: 1 } });
  await Deno.writeTextFile(ws.envFile, "A=1\n");
  const server = new TokenServer();
  const flags = (...more: string[]) =>
    ws.flags(
      "refresh",
      "--once",
      "--token-url",
      server.url(),
      "--token-url-fallback",
      server.url("/fallback"),
      ...more,
    );
  return { ws, login, server, flags };
}

/** A successful token response. */
function granted(rotate = true) {
  const access = `sk-ant-oat01-${tokenBody()}`;
  const refresh = `sk-ant-ort01-${tokenBody()}`;
  return {
    access,
    refresh,
    json: {
      access_token: access,
      ...(rotate ? { refresh_token: refresh } : {}),
      expires_in: 28800,
      scope: "user:inference user:profile",
    },
  };
}

/** The stored claudeAiOauth and the whole file. */
async function stored(ws: Workspace) {
  const text = await Deno.readTextFile(ws.credentials);
  return { text, doc: JSON.parse(text), oauth: JSON.parse(text).claudeAiOauth };
}

Deno.test("refresh --once: a rotation is written back in Claude Code's format and delivered", async () => {
  const { ws, login, server, flags } = await setup();
  const g = granted();
  server.script({ json: g.json });
  const out = await ws.run(flags());
  assert.equal(out.code, 0, out.stderr);
  assert.equal(server.requests.length, 1);
  assert.deepEqual(server.requests[0].body, {
    grant_type: "refresh_token",
    refresh_token: login.refreshToken,
    client_id: "9d1c250a-e61b-44d9-88ed-5944d1962f5e",
    scope: "user:inference user:profile",
  });
  const s = await stored(ws);
  assert.equal(s.oauth.accessToken, g.access);
  assert.equal(s.oauth.refreshToken, g.refresh);
  assert.ok(Math.abs(s.oauth.expiresAt - (Date.now() + 28800e3)) < 60e3);
  assert.equal(s.oauth.subscriptionType, "max", "other fields kept");
  assert.deepEqual(s.doc.mcpOAuth, { keep: 1 }, "other top-level keys kept");
  assert.ok(!s.text.includes("\n"), "compact, one line");
  assert.equal((await Deno.stat(ws.credentials)).mode! & 0o777, 0o600);
  assert.ok((await Deno.readTextFile(ws.envFile)).includes(g.access));
  for (const lock of [".oauth_refresh.lock", ".storage-write.lock"]) {
    assert.equal(
      await Deno.stat(join(ws.claudeDir, lock)).catch(() => "gone"),
      "gone",
    );
  }
  assert.equal(
    await Deno.stat(`${ws.claudeDir}.lock`).catch(() => "gone"),
    "gone",
  );
  assertNoToken(
    out.stderr,
    login.accessToken,
    login.refreshToken,
    g.access,
    g.refresh,
  );
  await server.close();
  await ws.cleanup();
});

Deno.test("refresh --once: without refresh_token the old one is kept; not due means no POST", async () => {
  const { ws, login, server, flags } = await setup();
  const g = granted(false);
  server.script({ json: g.json });
  assert.equal((await ws.run(flags())).code, 0);
  assert.equal((await stored(ws)).oauth.refreshToken, login.refreshToken);
  assert.equal((await ws.run(flags())).code, 0, "now 8 h left: not due");
  assert.equal(server.requests.length, 1);
  await server.close();
  await ws.cleanup();
});

Deno.test("refresh --once: invalid_grant overwrites nothing and exits 3 with 'log in again'", async () => {
  const { ws, server, flags } = await setup();
  server.script({
    status: 400,
    json: {
      error: "invalid_grant",
      error_description: "Refresh token not found or invalid",
    },
  });
  const before = await Deno.readTextFile(ws.credentials);
  const out = await ws.run(flags("--force"));
  assert.equal(out.code, 3);
  assert.match(out.stderr, /log in again with `claude`/);
  assert.equal(await Deno.readTextFile(ws.credentials), before);
  assert.equal(await Deno.readTextFile(ws.envFile), "A=1\n");
  await server.close();
  await ws.cleanup();
});

Deno.test("refresh --once: transient answers (429, 500, HTML) exit 1 and overwrite nothing", async () => {
  const { ws, server, flags } = await setup();
  const before = await Deno.readTextFile(ws.credentials);
  server.script(
    {
      status: 429,
      json: { error: { type: "rate_limit_error" } },
      headers: { "retry-after": "30" },
    },
    { status: 500, json: {} },
    { status: 200, body: "<html>maintenance</html>" },
  );
  for (const why of [/429/, /500/, /unreadable body/]) {
    const out = await ws.run(flags("--force"));
    assert.equal(out.code, 1, out.stderr);
    assert.match(out.stderr, why);
    assert.equal(await Deno.readTextFile(ws.credentials), before);
  }
  await server.close();
  await ws.cleanup();
});

Deno.test("refresh --once: a 404 on the first URL falls back to the second", async () => {
  const { ws, server, flags } = await setup();
  const g = granted();
  server.script({ status: 404, json: { error: "not_found" } }, {
    json: g.json,
  });
  assert.equal((await ws.run(flags("--force"))).code, 0);
  assert.deepEqual(server.requests.map((r) => r.path), [
    "/v1/oauth/token",
    "/fallback",
  ]);
  assert.equal((await stored(ws)).oauth.accessToken, g.access);
  await server.close();
  await ws.cleanup();
});

Deno.test("refresh: a hang past the timeout is transient; Retry-After is read in seconds or as a date", async () => {
  const server = new TokenServer();
  server.script({ json: granted().json, delayMs: 2000 });
  await assert.rejects(
    () =>
      refreshLogin(testLogin(), {
        tokenUrl: server.url(),
        clientId: "c",
        userAgent: "ua",
        timeoutMs: 200,
      }, Date.now),
    TransientRefreshError,
  );
  assert.equal(retryAfterMs("30", 0), 30_000);
  assert.equal(retryAfterMs(new Date(60_000).toUTCString(), 0), 60_000);
  assert.equal(retryAfterMs(null, 0), undefined);
  await new Promise((r) => setTimeout(r, 2100));
  await server.close();
});

Deno.test("refresh races: three --force runs started together make exactly one POST", async () => {
  const { ws, server, flags } = await setup();
  const g = granted();
  server.script({ json: g.json, delayMs: 800 });
  const outs = await Promise.all([1, 2, 3].map(() => ws.run(flags("--force"))));
  assert.deepEqual(
    outs.map((o) => o.code),
    [0, 0, 0],
    outs.map((o) => o.stderr).join("\n"),
  );
  assert.equal(server.requests.length, 1);
  assert.equal((await stored(ws)).oauth.accessToken, g.access);
  assert.ok((await Deno.readTextFile(ws.envFile)).includes(g.access));
  await server.close();
  await ws.cleanup();
});

Deno.test("refresh races: a held refresh lock makes us wait and adopt the holder's tokens; a stale lock is taken over", async () => {
  const { ws, server, flags } = await setup();
  const lock = join(ws.claudeDir, ".oauth_refresh.lock");
  await Deno.mkdir(lock);
  const other = testLogin();
  const running = ws.run(flags("--force"));
  await new Promise((r) => setTimeout(r, 1500));
  await ws.writeLogin(other);
  await Deno.remove(lock);
  const out = await running;
  assert.equal(out.code, 0, out.stderr);
  assert.equal(
    server.requests.length,
    0,
    "no POST: the other process refreshed",
  );
  assert.match(out.stderr, /another process refreshed/);
  assert.ok((await Deno.readTextFile(ws.envFile)).includes(other.accessToken));

  await Deno.mkdir(lock);
  const old = new Date(Date.now() - 120_000);
  await Deno.utime(lock, old, old);
  const g = granted();
  server.script({ json: g.json });
  assert.equal((await ws.run(flags("--force"))).code, 0);
  assert.equal(server.requests.length, 1, "stale lock taken over");
  assert.equal(await Deno.stat(lock).catch(() => "gone"), "gone");
  await server.close();
  await ws.cleanup();
});

Deno.test("watch refresh-ahead: refreshes when the window opens; a new token from Claude Code resets the clock", async () => {
  const { ws, server } = await setup(60 * 60_000 + 1500);
  const agent = Running.start(
    ws,
    ws.flags("--token-url", server.url(), "--settle", "0ms"),
  );
  const killer = setTimeout(() => agent.child.kill("SIGKILL"), 30_000);
  try {
    const g = granted();
    server.script({ json: g.json });
    await waitFor(
      "refresh-ahead",
      async () => (await Deno.readTextFile(ws.envFile)).includes(g.access),
    );
    assert.equal(server.requests.length, 1);
    assert.equal((await stored(ws)).oauth.accessToken, g.access);
    const fromClaude = testLogin(60 * 60_000 + 1500);
    await ws.writeLogin(fromClaude);
    await waitFor(
      "delivery",
      async () =>
        (await Deno.readTextFile(ws.envFile)).includes(fromClaude.accessToken),
    );
    const later = testLogin();
    await ws.writeLogin(later);
    await waitFor(
      "delivery",
      async () =>
        (await Deno.readTextFile(ws.envFile)).includes(later.accessToken),
    );
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(
      server.requests.length,
      1,
      "the new token reset the clock: no second POST",
    );
  } finally {
    clearTimeout(killer);
    assert.equal((await agent.stop()).code, 0);
    await server.close();
    await ws.cleanup();
  }
});
