import assert from "node:assert/strict";
import { envValue } from "../../src/lib/dotenv.ts";
import { oauthEntry } from "../../src/sinks/oauth_json.ts";
import {
  assertNoToken,
  credentialsJson,
  runCommand,
  testLogin,
  Workspace,
} from "../helpers/fixture.ts";
import { dirname } from "node:path";

const ENV =
  "# OpenClaw\r\n\r\nOPENCLAW_IMAGE=openclaw:latest\r\nexport ANTHROPIC_OAUTH_TOKEN='old'\r\nOTHER=\"x y\"";

/** A workspace holding a live login and an env file with an old token. */
async function setup(dockerExit = 0) {
  const ws = await Workspace.create(dockerExit);
  const login = testLogin();
  await ws.writeLogin(login, { mcpOAuth: { keep: true } });
  await Deno.writeTextFile(ws.envFile, ENV);
  return { ws, login };
}

Deno.test("once: updates only the token in .env, merges oauth.json, recreates the gateway once, prints no token", async () => {
  const { ws, login } = await setup();
  await Deno.mkdir(dirname(ws.oauthJson), { recursive: true });
  await Deno.writeTextFile(
    ws.oauthJson,
    JSON.stringify({ openai: { access: "o" } }),
  );
  const out = await ws.run([
    ...ws.flags("--once", "--oauth-json", ws.oauthJson),
  ]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(
    await Deno.readTextFile(ws.envFile),
    ENV.replace("'old'", `'${login.accessToken}'`),
  );
  const oauth = JSON.parse(await Deno.readTextFile(ws.oauthJson));
  assert.deepEqual(oauth, {
    openai: { access: "o" },
    anthropic: oauthEntry(login),
  });
  const calls = await ws.dockerCalls();
  assert.deepEqual(
    calls.map((c) => c.argv),
    [
      "compose version",
      "compose ps -q openclaw-gateway",
      "compose exec -T openclaw-gateway openclaw models auth paste-token --help",
      "compose exec -T openclaw-gateway node dist/index.js models auth paste-token --help",
      "compose exec -T openclaw-gateway node openclaw.mjs models auth paste-token --help",
      "compose config --format json",
      "compose config",
      "compose up -d --force-recreate --no-deps openclaw-gateway",
    ],
    "auto looks for the gateway's container and CLI, finds none, takes the classic route, and asks the project whether the .env reaches the gateway before recreating it",
  );
  assert.equal(calls.at(-1)!.cwd, ws.composeDir);
  for (const call of calls) {
    assert.equal(call.env, "0", "no token in docker's environment");
  }
  assertNoToken(out.stdout + out.stderr, login.accessToken, login.refreshToken);
  await ws.cleanup();
});

Deno.test("once: a second run writes nothing and asks docker nothing (the route learned before holds); a new login or a sink changed behind its back asks again and delivers", async () => {
  const { ws } = await setup();
  assert.equal((await ws.run(ws.flags("--once"))).code, 0);
  const before = await Deno.stat(ws.envFile);
  await Deno.remove(ws.dockerLog);
  const out = await ws.run(ws.flags("--once"));
  assert.equal(out.code, 0);
  assert.equal(
    (await Deno.stat(ws.envFile)).mtime?.getTime(),
    before.mtime?.getTime(),
  );
  assert.equal((await Deno.stat(ws.envFile)).ino, before.ino);
  assert.deepEqual(await ws.dockerCalls(), [], "a no-op asks docker nothing");
  assert.match(out.stderr, /nothing to do/);

  // a rotation: the gateway is looked for again before the delivery
  const rotated = testLogin();
  await ws.writeLogin(rotated);
  assert.equal((await ws.run(ws.flags("--once"))).code, 0);
  const calls = (await ws.dockerCalls()).map((c) => c.argv);
  assert.match(
    calls[0],
    /^(compose ps|compose version|inspect )/,
    calls.join("; "),
  );
  assert.deepEqual(
    (await ws.gatewayActions()).filter((a) => a.startsWith("compose up")),
    ["compose up -d --force-recreate --no-deps openclaw-gateway"],
  );
  assert.equal(
    envValue(await Deno.readTextFile(ws.envFile), "ANTHROPIC_OAUTH_TOKEN"),
    rotated.accessToken,
  );

  // the .env put back to an old token by someone else: delivered again
  await Deno.remove(ws.dockerLog);
  await Deno.writeTextFile(ws.envFile, ENV);
  assert.equal((await ws.run(ws.flags("--once"))).code, 0);
  assert.equal(
    envValue(await Deno.readTextFile(ws.envFile), "ANTHROPIC_OAUTH_TOKEN"),
    rotated.accessToken,
  );
  assert.equal(
    (await ws.gatewayActions()).filter((a) => a.startsWith("compose up"))
      .length,
    1,
    "recreated once",
  );
  await ws.cleanup();
});

Deno.test("once: Claude Code rewriting the file without a token change is not a change", async () => {
  const { ws, login } = await setup();
  assert.equal((await ws.run(ws.flags("--once"))).code, 0);
  await Deno.remove(ws.dockerLog);
  await ws.writeLogin({ ...login, subscriptionTypeSource: "api" });
  assert.equal((await ws.run(ws.flags("--once"))).code, 0);
  assert.deepEqual(await ws.gatewayActions(), []);
  await ws.cleanup();
});

Deno.test("once --dry-run: prints the plan with fingerprints and touches nothing", async () => {
  const { ws, login } = await setup();
  const out = await ws.run(ws.flags("--once", "--dry-run"));
  assert.equal(out.code, 0, out.stderr);
  assert.equal(await Deno.readTextFile(ws.envFile), ENV);
  assert.match(out.stderr, /would update/);
  assert.match(
    out.stderr,
    /would run.*compose up -d --force-recreate --no-deps openclaw-gateway/,
  );
  assert.ok(out.stderr.includes(login.accessToken.slice(-4)));
  assert.deepEqual((await ws.dockerCalls()).map((c) => c.argv), [
    "compose version",
    "compose ps -q openclaw-gateway",
    "compose exec -T openclaw-gateway openclaw models auth paste-token --help",
    "compose exec -T openclaw-gateway node dist/index.js models auth paste-token --help",
    "compose exec -T openclaw-gateway node openclaw.mjs models auth paste-token --help",
    "compose config --format json",
    "compose config",
  ]);
  assert.match(out.stderr, /delivery route.*env-only.*no OpenClaw CLI/);
  assertNoToken(out.stderr, login.accessToken);
  await ws.cleanup();
});

Deno.test("once: each bad input gives its exit code and leaves every sink byte-identical", async () => {
  const login = testLogin();
  const cases: [string, string | undefined, number][] = [
    ["missing file", undefined, 4],
    ["invalid JSON", "{not json", 4],
    ["truncated JSON", credentialsJson(login).slice(0, 40), 4],
    ["empty file", "", 4],
    [
      "wrong prefix",
      credentialsJson({ ...login, accessToken: "sk-ant-api03-x" }),
      4,
    ],
    [
      "newline in token",
      credentialsJson({
        ...login,
        accessToken: login.accessToken + "\nEVIL=1",
      }),
      4,
    ],
    [
      "quote in token",
      credentialsJson({ ...login, accessToken: login.accessToken + "'" }),
      4,
    ],
    [
      "wrong types",
      credentialsJson({ ...login, expiresAt: "soon", scopes: "x" }),
      4,
    ],
    [
      "empty tokens",
      credentialsJson({ accessToken: "", refreshToken: "", expiresAt: 0 }),
      3,
    ],
  ];
  for (const [name, text, code] of cases) {
    const ws = await Workspace.create();
    if (text !== undefined) await ws.writeCredentialsText(text);
    await Deno.writeTextFile(ws.envFile, ENV);
    const out = await ws.run(ws.flags("--once", "--oauth-json", ws.oauthJson));
    assert.equal(out.code, code, `${name}: ${out.stderr}`);
    assert.equal(await Deno.readTextFile(ws.envFile), ENV, name);
    assert.equal(
      await Deno.stat(ws.oauthJson).catch(() => "absent"),
      "absent",
      name,
    );
    assert.deepEqual(await ws.dockerCalls(), [], name);
    if (code === 3) assert.match(out.stderr, /log in again with `claude`/);
    assertNoToken(out.stderr, login.accessToken);
    await ws.cleanup();
  }
});

Deno.test("once: the env file keeps its mode and owner; a new oauth.json is 0600; a symlink stays a link", async () => {
  const { ws, login } = await setup();
  await Deno.chmod(ws.envFile, 0o640);
  await Deno.chown(ws.envFile, 1000, 1000);
  const real = `${ws.root}/real-oauth.json`;
  await Deno.writeTextFile(real, "{}");
  await Deno.mkdir(dirname(ws.oauthJson), { recursive: true });
  await Deno.symlink(real, ws.oauthJson);
  assert.equal(
    (await ws.run(ws.flags("--once", "--oauth-json", ws.oauthJson))).code,
    0,
  );
  const st = await Deno.stat(ws.envFile);
  assert.equal(st.mode! & 0o777, 0o640);
  assert.equal(st.uid, 1000);
  assert.equal(st.gid, 1000);
  assert.ok((await Deno.lstat(ws.oauthJson)).isSymlink);
  assert.equal(
    JSON.parse(await Deno.readTextFile(real)).anthropic.access,
    login.accessToken,
  );
  const fresh = `${ws.root}/fresh/oauth.json`;
  await Deno.mkdir(dirname(fresh));
  assert.equal(
    (await ws.run(ws.flags("--once", "--oauth-json", fresh))).code,
    0,
  );
  assert.equal((await Deno.stat(fresh)).mode! & 0o777, 0o600);
  assert.deepEqual([...Deno.readDirSync(ws.composeDir)].map((e) => e.name), [
    ".env",
  ], "no temp file left");
  await ws.cleanup();
});

Deno.test("once: a failing docker leaves the files synced, exits 1, and the next pass retries the recreate", async () => {
  const { ws, login } = await setup(1);
  const out = await ws.run(ws.flags("--once"));
  assert.equal(out.code, 1);
  assert.match(out.stderr, /exit code 1/);
  assert.match(out.stderr, /fake docker failing on purpose/);
  assert.ok((await Deno.readTextFile(ws.envFile)).includes(login.accessToken));
  await ws.fakeDocker(0);
  await Deno.remove(ws.dockerLog);
  assert.equal((await ws.run(ws.flags("--once"))).code, 0);
  assert.deepEqual(
    (await ws.dockerCalls()).map((c) => c.argv).at(-1),
    "compose up -d --force-recreate --no-deps openclaw-gateway",
  );
  await Deno.remove(ws.dockerLog);
  assert.equal((await ws.run(ws.flags("--once"))).code, 0);
  assert.deepEqual(await ws.gatewayActions(), [], "restart no longer owed");
  await ws.cleanup();
});

Deno.test("once: an absent env file is an error unless --create; duplicates warn", async () => {
  const { ws, login } = await setup();
  await Deno.remove(ws.envFile);
  const out = await ws.run(ws.flags("--once"));
  assert.equal(out.code, 1);
  assert.match(out.stderr, /--create/);
  assert.equal((await ws.run(ws.flags("--once", "--create"))).code, 0);
  assert.equal(
    await Deno.readTextFile(ws.envFile),
    `ANTHROPIC_OAUTH_TOKEN=${login.accessToken}\n`,
  );
  await Deno.writeTextFile(
    ws.envFile,
    "ANTHROPIC_OAUTH_TOKEN=a\nANTHROPIC_OAUTH_TOKEN=b\n",
  );
  const dup = await ws.run(ws.flags("--once"));
  assert.equal(dup.code, 0);
  assert.match(dup.stderr, /WARN .*2 times; updated the last one/);
  assert.equal(
    await Deno.readTextFile(ws.envFile),
    `ANTHROPIC_OAUTH_TOKEN=a\nANTHROPIC_OAUTH_TOKEN=${login.accessToken}\n`,
  );
  await ws.cleanup();
});

Deno.test("once: oauth.json beside a current OpenClaw store is refused with the reason; .env still delivered", async () => {
  const { ws, login } = await setup();
  const state = dirname(dirname(ws.oauthJson));
  await Deno.mkdir(`${state}/state`, { recursive: true });
  await Deno.mkdir(`${state}/credentials`, { recursive: true });
  await Deno.writeTextFile(`${state}/state/openclaw.sqlite`, "");
  const out = await ws.run(ws.flags("--once", "--oauth-json", ws.oauthJson));
  assert.equal(out.code, 1);
  assert.match(out.stderr, /migration error/);
  assert.equal(await Deno.stat(ws.oauthJson).catch(() => "absent"), "absent");
  assert.ok((await Deno.readTextFile(ws.envFile)).includes(login.accessToken));
  await ws.cleanup();
});

Deno.test("status: fingerprints, expiry and the gateway container; exit 0 only when all hold the current token", async () => {
  const { ws, login } = await setup(1);
  const stale = await ws.run(ws.flags("status", "--json"));
  assert.equal(stale.code, 1);
  const report = JSON.parse(stale.stdout);
  assert.equal(report.ok, false);
  const kinds = report.entries.map((e: { kind: string }) => e.kind);
  assert.deepEqual(kinds, ["source", "route", "env file", "gateway"]);
  assert.equal(report.entries[1].path, "env-only");
  assert.equal(report.entries[2].inSync, false);
  assert.equal((await ws.run(ws.flags("--once"))).code, 1, "docker fails");
  const pending = await ws.run(ws.flags("status"));
  assert.equal(pending.code, 1);
  assert.match(pending.stdout, /env file .* in sync/);
  assert.match(pending.stdout, /gateway .*NOT in sync/);
  await ws.fakeDocker(0);
  assert.equal((await ws.run(ws.flags("--once"))).code, 0);
  await ws.writeLogin(testLogin());
  await ws.run(ws.flags("--once", "--restart", "none"));
  const behind = await ws.run(ws.flags("status"));
  assert.equal(behind.code, 1);
  assert.match(
    behind.stdout,
    new RegExp(
      `running with …${
        login.accessToken.slice(-4)
      }#\\w+, current .*: recreate pending`,
    ),
  );
  await ws.writeLogin(testLogin());
  assert.equal((await ws.run(ws.flags("--once"))).code, 0);
  const fresh = await ws.run(ws.flags("status"));
  assert.equal(fresh.code, 0, fresh.stdout);
  assert.match(fresh.stdout, /in sync/);
  assert.match(fresh.stdout, /expires in 7h 5\dm/);
  assertNoToken(
    stale.stdout + pending.stdout + behind.stdout + fresh.stdout,
    login.accessToken,
    login.refreshToken,
  );
  const cfg = await ws.run(ws.flags("config", "--json"));
  assert.equal(cfg.code, 0);
  assert.deepEqual(
    JSON.parse(cfg.stdout).targets[0].settings.SYNC_OAUTH_TOKEN_SERVICE,
    { value: "openclaw-gateway", from: "default" },
  );
  const text = await ws.run(ws.flags("config"));
  assert.match(
    text.stdout,
    new RegExp(`^SYNC_OAUTH_TOKEN_ENV_FILE=${ws.envFile}  # --env-file$`, "m"),
  );
  await ws.cleanup();
});

Deno.test("usage errors exit 2 and name the option", async () => {
  const ws = await Workspace.create();
  const out = await ws.run(ws.flags("--once", "--restart", "sometimes"));
  assert.equal(out.code, 2);
  assert.match(out.stderr, /--restart/);
  assert.equal((await ws.run(["--bogus"])).code, 2);
  const help = await ws.run(["status", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--json/);
  await ws.cleanup();
});

Deno.test("README set-up: `deno task start` delivers through a symlinked .env and `status` reports it, under the task's own permissions", async () => {
  const { ws, login } = await setup();
  const root = new URL("../../", import.meta.url).pathname;
  const link = `${ws.composeDir}/link.env`;
  await Deno.symlink(ws.envFile, link);
  const task = (args: string[]) =>
    runCommand(
      [Deno.execPath(), "task", "--cwd", root, "start", ...args],
      ws.env(),
    );
  const once = await task([
    ...ws.flags("--once", "--restart", "none"),
    "--env-file",
    link,
  ]);
  assert.equal(once.code, 0, once.stderr);
  assert.ok((await Deno.readTextFile(ws.envFile)).includes(login.accessToken));
  const status = await task(ws.flags("status", "--restart", "none"));
  assert.equal(status.code, 0, status.stdout + status.stderr);
  assert.match(status.stdout, /env file .* in sync/);
  assert.doesNotMatch(once.stderr + status.stderr, /not permitted/);
  await ws.cleanup();
});
