import assert from "node:assert/strict";
import { join } from "node:path";
import { envValue } from "../../src/lib/dotenv.ts";
import {
  assertNoToken,
  Running,
  testLogin,
  waitFor,
  Workspace,
} from "../helpers/fixture.ts";

/** Two compose projects and a plain .env consumer (another tool, never recreated), as targets.d files. */
async function threeTargets(ws: Workspace) {
  const targets = join(ws.root, "targets.d");
  const dirs = {
    alpha: join(ws.root, "alpha"),
    beta: join(ws.root, "beta"),
    tools: join(ws.root, "tools"),
  };
  await Deno.mkdir(targets);
  for (const dir of Object.values(dirs)) {
    await Deno.mkdir(dir);
    await Deno.writeTextFile(join(dir, ".env"), "A=1\n");
  }
  await Deno.writeTextFile(
    join(targets, "alpha.env"),
    `SYNC_OAUTH_TOKEN_ENV_FILE=${dirs.alpha}/.env\n`,
  );
  await Deno.writeTextFile(
    join(targets, "beta.env"),
    `SYNC_OAUTH_TOKEN_ENV_FILE=${dirs.beta}/.env\nSYNC_OAUTH_TOKEN_SERVICE=gw\n`,
  );
  await Deno.writeTextFile(
    join(targets, "tools.env"),
    `SYNC_OAUTH_TOKEN_ENV_FILE=${dirs.tools}/.env\nSYNC_OAUTH_TOKEN_ENV_KEY=CLAUDE_TOKEN\nSYNC_OAUTH_TOKEN_RESTART=none\n`,
  );
  /** Whether each consumer's .env holds the token in its own key. */
  const hold = async (token: string) => {
    const read = (d: string) => Deno.readTextFile(join(d, ".env"));
    return envValue(await read(dirs.alpha), "ANTHROPIC_OAUTH_TOKEN") ===
        token &&
      envValue(await read(dirs.beta), "ANTHROPIC_OAUTH_TOKEN") === token &&
      envValue(await read(dirs.tools), "CLAUDE_TOKEN") === token;
  };
  const args = (...more: string[]) => [
    "--credentials",
    ws.credentials,
    "--config",
    ws.configFile,
    ...more,
  ];
  /** The recreates the fake docker saw, by the directory compose ran in. */
  const recreates = async () =>
    (await ws.dockerCalls()).filter((c) => c.argv.startsWith("compose up"))
      .map((c) => `${c.cwd.slice(ws.root.length + 1)}: ${c.argv}`).sort();
  return { dirs, hold, args, recreates };
}

Deno.test("targets: one rename reaches every target side by side; each compose target is recreated once, the plain .env consumer never", async () => {
  const ws = await Workspace.create();
  const { hold, args, recreates } = await threeTargets(ws);
  await ws.writeLogin(testLogin());
  const agent = Running.start(ws, args("--settle", "200ms"));
  try {
    await waitFor(
      "the first pass",
      async () => (await recreates()).length === 2,
    );
    await ws.fakeDocker(0); // forget the first pass's calls
    await Deno.remove(ws.dockerLog);
    const login = testLogin();
    await ws.writeLogin(login);
    await waitFor(
      "every target holds the new token",
      () => hold(login.accessToken),
    );
    await waitFor("the recreates", async () => (await recreates()).length >= 2);
    await new Promise((r) => setTimeout(r, 600)); // a third would come by now
    assert.deepEqual(await recreates(), [
      "alpha: compose up -d --force-recreate --no-deps openclaw-gateway",
      "beta: compose up -d --force-recreate --no-deps gw",
    ]);
    assert.match(agent.stderr, /updated .*alpha\/\.env .*target=alpha/);
    assert.match(agent.stderr, /updated .*tools\/\.env .*target=tools/);
    assertNoToken(agent.stderr, login.accessToken);
  } finally {
    assert.equal((await agent.stop()).code, 0, agent.stderr);
    await ws.cleanup();
  }
});

Deno.test("targets: a target that cannot be written fails alone; the others are delivered, the exit code and status name it", async () => {
  const ws = await Workspace.create();
  const { dirs, hold, args } = await threeTargets(ws);
  const login = testLogin();
  await ws.writeLogin(login);
  // beta's directory is read-only in the tool's mount namespace: even root cannot write there
  const readOnly = [
    "unshare",
    "-rm",
    "sh",
    "-c",
    `mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && shift && exec "$@"`,
    dirs.beta,
    "--",
  ];
  const out = await ws.runWrapped(readOnly, args("--once"));
  assert.equal(out.code, 1, out.stderr);
  assert.match(out.stderr, /^ERROR cannot write .*beta\/\.env.* target=beta$/m);
  assert.equal(
    envValue(
      await Deno.readTextFile(join(dirs.alpha, ".env")),
      "ANTHROPIC_OAUTH_TOKEN",
    ),
    login.accessToken,
  );
  assert.equal(
    envValue(await Deno.readTextFile(join(dirs.tools, ".env")), "CLAUDE_TOKEN"),
    login.accessToken,
  );
  assert.equal(await Deno.readTextFile(join(dirs.beta, ".env")), "A=1\n");
  assert.ok(!await hold(login.accessToken));

  const status = await ws.run(args("status"));
  assert.equal(status.code, 1, "beta is out of step");
  assert.match(status.stdout, /^target alpha\n {2}route/m);
  assert.match(status.stdout, /^ {2}env file +.*beta\/\.env .*NOT in sync/m);
  assert.match(
    status.stdout,
    /^ {2}last pass .*FAILED .*\(delivery\): cannot write .*beta/m,
  );
  const one = await ws.run(args("status", "--target", "tools", "--json"));
  assert.equal(one.code, 0, one.stdout);
  const report = JSON.parse(one.stdout);
  assert.deepEqual(
    [...new Set(report.entries.map((e: { target?: string }) => e.target))],
    [undefined, "tools"],
  );
  assertNoToken(out.stderr + status.stdout + one.stdout, login.accessToken);
  await ws.cleanup();
});

Deno.test("targets: doctor checks each target and fails two targets sharing a file", async () => {
  const ws = await Workspace.create();
  const { dirs, args } = await threeTargets(ws);
  await ws.writeLogin(testLogin());
  const quiet = [
    "--token-url",
    "http://127.0.0.1:9/t",
    "--token-url-fallback",
    "http://127.0.0.1:9/t",
  ];
  const good = await ws.run(args("doctor", ...quiet));
  assert.match(
    good.stdout,
    /^OK {4}targets +3 targets, none sharing a file or a service$/m,
  );
  for (const name of ["alpha", "beta", "tools"]) {
    assert.match(
      good.stdout,
      new RegExp(`^\\w+ +openclaw \\[${name}\\] `, "m"),
    );
  }
  await Deno.writeTextFile(
    join(ws.root, "targets.d", "copy.env"),
    `SYNC_OAUTH_TOKEN_ENV_FILE=${dirs.alpha}/.env\n`,
  );
  const clash = await ws.run(args("doctor", ...quiet));
  assert.equal(clash.code, 1);
  assert.match(
    clash.stdout,
    /^FAIL {2}targets +targets alpha and copy each writes .*alpha\/\.env; fix: /m,
  );
  await ws.cleanup();
});
