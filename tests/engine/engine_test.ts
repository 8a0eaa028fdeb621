// End-to-end tests of `sync-oauth-token --once` on a real Docker engine.
//
// The caller starts the engine first (as root):
//   bash tests/engine/engine.sh start && eval "$(bash tests/engine/engine.sh env)"
//   deno test -A tests/engine/
// Without a reachable engine every test fails with a message saying so; none
// is skipped. Every external command has a timeout, and so has every test.

import assert from "node:assert/strict";
import {
  ENGINE_SH,
  engineTest,
  envFileToken,
  GATEWAY,
  must,
  OTHER,
  Project,
  type ProjectOptions,
  requireEngine,
  run,
  type RunResult,
  runStatus,
  runTool,
  testToken,
} from "./fixture.ts";

/** Creates a project, starts both services, and always tears it down. */
async function withProject(
  opts: ProjectOptions,
  fn: (p: Project) => Promise<void>,
): Promise<void> {
  await requireEngine();
  const p = await Project.create(opts);
  try {
    await p.up();
    await fn(p);
  } finally {
    await p.down();
  }
}

function show(r: RunResult): string {
  return `exit ${r.code}${r.timedOut ? " (timed out)" : ""} after ${
    Math.round(r.ms)
  } ms\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

function assertNoSecret(r: RunResult, ...tokens: string[]): void {
  for (const t of tokens) {
    assert.ok(
      !r.output.includes(t),
      `the tool printed a full token:\n${show(r)}`,
    );
  }
}

async function mainExists(): Promise<void> {
  const m = Deno.env.get("SOT_MAIN_TS") ??
    new URL("../../src/main.ts", import.meta.url).pathname;
  try {
    await Deno.stat(m);
  } catch {
    throw new Error(`tool not found: ${m}`);
  }
}

/** The first pass of endToEnd and the compose calls it made (v2, v1). */
interface FirstPass {
  run: RunResult;
  v2: string[];
  v1: string[];
}

/** The calls among `calls` that run the compose subcommand `sub`. */
function subcommand(calls: string[], sub: string): string[] {
  return calls.filter((c) => new RegExp(`(^|\\s)${sub}(\\s|$)`).test(c));
}

/**
 * The common end-to-end pass: new credentials -> .env updated -> gateway
 * recreated with the new env, `other` untouched; a second pass changes nothing
 * (no `up` either). Returns the first pass and its compose calls.
 */
async function endToEnd(
  p: Project,
  toolOpts: Parameters<typeof runTool>[1] = {},
): Promise<FirstPass> {
  await mainExists();
  await Deno.chmod(p.envFile, 0o640);
  const oldToken = await envFileToken(p.envFile);
  assert.ok(oldToken);
  const gw0 = await p.containerId(GATEWAY);
  const other0 = await p.containerId(OTHER);
  assert.equal((await p.containerEnv(GATEWAY)).ANTHROPIC_OAUTH_TOKEN, oldToken);

  const token = testToken();
  await p.writeCredentials(token);
  const r = await runTool(p, toolOpts);
  assert.equal(r.code, 0, `sync pass failed:\n${show(r)}`);
  assertNoSecret(r, token, oldToken);

  // .env: new token, other lines kept, mode kept
  const envText = await Deno.readTextFile(p.envFile);
  assert.equal(await envFileToken(p.envFile), token, `.env:\n${envText}`);
  assert.ok(
    envText.includes("OPENCLAW_GATEWAY_TOKEN=gw-test-token"),
    `.env lost other settings:\n${envText}`,
  );
  assert.ok(
    envText.includes("# openclaw deployment (test fixture)"),
    `.env lost its comment:\n${envText}`,
  );
  assert.equal(
    envText.match(/ANTHROPIC_OAUTH_TOKEN=/g)?.length,
    1,
    `.env has the key more than once:\n${envText}`,
  );
  assert.equal((await Deno.stat(p.envFile)).mode! & 0o777, 0o640);

  // gateway: a new container, running, with the new token in its env
  const gws = await p.containers(GATEWAY);
  assert.equal(gws.length, 1, JSON.stringify(gws));
  assert.notEqual(gws[0].id, gw0, "gateway container was not recreated");
  assert.ok(gws[0].running, "new gateway container is not running");
  const env = await p.containerEnv(GATEWAY);
  assert.equal(env.ANTHROPIC_OAUTH_TOKEN, token);
  assert.equal(env.OPENCLAW_GATEWAY_TOKEN, "gw-test-token");

  // other: same container, still running
  const others = await p.containers(OTHER);
  assert.equal(others.length, 1, JSON.stringify(others));
  assert.ok(others[0].running, "service `other` was left stopped");
  if (toolOpts.restart !== "down-up") {
    assert.equal(others[0].id, other0, "service `other` was recreated");
    assert.equal(
      (await p.containerEnv(OTHER)).ANTHROPIC_OAUTH_TOKEN,
      oldToken,
      "service `other` got the new env, so it was recreated",
    );
  }

  // second pass with the same credentials: nothing to do, no restart
  const first = {
    run: r,
    v2: await p.composeCalls("v2"),
    v1: await p.composeCalls("v1"),
  };
  const gw1 = gws[0].id;
  const other1 = others[0].id;
  await p.clearComposeLogs();
  const r2 = await runTool(p, toolOpts);
  assert.equal(r2.code, 0, `unchanged pass failed:\n${show(r2)}`);
  assert.equal(await p.containerId(GATEWAY), gw1, "needless recreate");
  assert.equal(await p.containerId(OTHER), other1, "needless recreate");
  assert.equal(await envFileToken(p.envFile), token);
  const again = [
    ...await p.composeCalls("v2"),
    ...await p.composeCalls("v1"),
  ];
  assert.deepEqual(
    subcommand(again, "up"),
    [],
    "unchanged pass ran compose up",
  );
  return first;
}

/** Asserts that the only `up` of a pass recreates just the gateway, detached. */
function assertRecreatesGateway(calls: string[]): void {
  const up = subcommand(calls, "up");
  assert.equal(up.length, 1, `compose calls: ${JSON.stringify(calls)}`);
  for (const w of ["-d", "--force-recreate", "--no-deps", GATEWAY]) {
    assert.ok(up[0].split(/\s+/).includes(w), `missing ${w}: ${up[0]}`);
  }
  assert.ok(!up[0].split(/\s+/).includes(OTHER), up[0]);
}

engineTest(
  "engine: the Docker engine answers (DOCKER_HOST)",
  60_000,
  () => requireEngine(),
);

engineTest(
  "e2e compose v2 (`docker compose`): the gateway recreated by `up -d --force-recreate --no-deps <service>` with the new token, `other` untouched; a second pass changes nothing",
  300_000,
  () =>
    withProject({ flavor: "v2" }, async (p) => {
      const first = await endToEnd(p);
      assertRecreatesGateway(first.v2);
      assert.deepEqual(
        first.v1,
        [],
        "v2 available but docker-compose (v1) was used",
      );
    }),
);

engineTest(
  "e2e compose v1 fallback (no plugin, `docker-compose`), project dir with dashes: the pass goes through docker-compose; --log-format json",
  300_000,
  () =>
    withProject({
      flavor: "v1",
      dirName: `sot-v1-${crypto.randomUUID().slice(0, 6)}`,
    }, async (p) => {
      // `docker compose` really is unavailable in this setup
      const probe = await run("docker", ["compose", "version"], {
        env: p.env,
      });
      assert.notEqual(probe.code, 0, "plugin unexpectedly present");
      const first = await endToEnd(p, {
        composeDir: false, // default: the .env's dir
        extra: ["--log-format", "json"],
      });
      assertRecreatesGateway(first.v1);
      const { stdout, stderr } = first.run;
      for (const line of stderr.split("\n").concat(stdout.split("\n"))) {
        if (line.trim() === "" || line.startsWith("Download ")) continue;
        assert.doesNotThrow(
          () => JSON.parse(line),
          `--log-format json printed a non-JSON line: ${line}`,
        );
      }
    }),
);

engineTest(
  "e2e --restart down-up (v2, --compose-file + --compose-project): `down`, then `up -d`",
  300_000,
  () => {
    const name = `sotdu${crypto.randomUUID().slice(0, 6)}`;
    return withProject(
      { flavor: "v2", composeFile: "openclaw.yml", projectName: name },
      async (p) => {
        const first = await endToEnd(p, {
          restart: "down-up",
          composeFile: p.composeFile,
          composeProject: name,
        });
        const calls = subcommand(first.v2, "(up|down)");
        const di = calls.findIndex((c) => subcommand([c], "down").length > 0);
        const ui = calls.findIndex((c) => subcommand([c], "up").length > 0);
        assert.ok(di >= 0 && ui > di, `calls: ${JSON.stringify(calls)}`);
        assert.ok(calls[ui].split(/\s+/).includes("-d"), calls[ui]);
      },
    );
  },
);

engineTest(
  "e2e --restart none: .env updated, no container touched",
  300_000,
  () =>
    withProject({ flavor: "v2" }, async (p) => {
      await mainExists();
      const gw0 = await p.containerId(GATEWAY);
      const token = testToken();
      await p.writeCredentials(token);
      const r = await runTool(p, { restart: "none" });
      assert.equal(r.code, 0, show(r));
      assert.equal(await envFileToken(p.envFile), token);
      assert.equal(await p.containerId(GATEWAY), gw0);
    }),
);

engineTest(
  "fault: docker unreachable (bad DOCKER_HOST) -> exit 1, .env kept synced, next pass delivers",
  300_000,
  () =>
    withProject({ flavor: "v2" }, async (p) => {
      await mainExists();
      const gw0 = await p.containerId(GATEWAY);
      const token = testToken();
      await p.writeCredentials(token);
      const credsBefore = await Deno.readTextFile(p.credentials);
      const r = await runTool(p, {
        env: { DOCKER_HOST: `unix://${p.root}/no-such-docker.sock` },
      });
      assert.equal(r.code, 1, `expected exit 1 (delivery failed):\n${show(r)}`);
      assertNoSecret(r, token);
      assert.equal(
        await envFileToken(p.envFile),
        token,
        ".env not updated when docker is down",
      );
      assert.equal(await Deno.readTextFile(p.credentials), credsBefore);
      assert.equal(await p.containerId(GATEWAY), gw0);

      // docker back: the gateway still runs the old token, so a pass must
      // deliver although .env already holds the new one
      const r2 = await runTool(p);
      assert.equal(r2.code, 0, show(r2));
      assert.equal(
        (await p.containerEnv(GATEWAY)).ANTHROPIC_OAUTH_TOKEN,
        token,
        "after a failed delivery the next pass did not recreate the gateway " +
          "(.env already had the token, the container still has the old one)",
      );
    }),
);

engineTest(
  "fault: wrong service name -> non-zero exit naming the existing services",
  300_000,
  () =>
    withProject({ flavor: "v2" }, async (p) => {
      await mainExists();
      const gw0 = await p.containerId(GATEWAY);
      const other0 = await p.containerId(OTHER);
      await p.writeCredentials(testToken());
      const r = await runTool(p, { service: "openclaw-gatewy" });
      assert.notEqual(r.code, 0, show(r));
      assert.ok(!r.timedOut, show(r));
      assert.match(r.output, /openclaw-gatewy/, show(r));
      assert.ok(
        r.output.includes(GATEWAY) && r.output.includes(OTHER),
        `error does not name the existing services (${GATEWAY}, ${OTHER}):\n${
          show(r)
        }`,
      );
      assert.equal(await p.containerId(GATEWAY), gw0);
      assert.equal(await p.containerId(OTHER), other0);
    }),
);

engineTest(
  "fault: invalid compose file -> non-zero exit with a clear error",
  300_000,
  () =>
    withProject({ flavor: "v2" }, async (p) => {
      await mainExists();
      const gw0 = await p.containerId(GATEWAY);
      await Deno.writeTextFile(
        p.composeFile,
        (await Deno.readTextFile(p.composeFile)) + ": bad: [\n",
      );
      await p.writeCredentials(testToken());
      const r = await runTool(p);
      assert.notEqual(r.code, 0, show(r));
      assert.ok(!r.timedOut, show(r));
      assert.match(r.output, /compose/i, `no mention of compose:\n${show(r)}`);
      assert.doesNotMatch(
        r.output,
        /Uncaught|^\s+at .*\.ts:\d+/m,
        `the tool crashed instead of reporting:\n${show(r)}`,
      );
      assert.equal(await p.containerId(GATEWAY), gw0);
    }),
);

engineTest(
  "status --json: reports the gateway container's env against the current token, never the token",
  300_000,
  () =>
    withProject({ flavor: "v2" }, async (p) => {
      await mainExists();
      const old = (await envFileToken(p.envFile))!;
      const token = testToken();
      await p.writeCredentials(token);
      // .env synced while docker is unreachable: the gateway still runs `old`
      const r0 = await runTool(p, {
        env: { DOCKER_HOST: `unix://${p.root}/no-such-docker.sock` },
      });
      assert.equal(r0.code, 1, show(r0));
      assert.equal(await envFileToken(p.envFile), token);
      assert.equal((await p.containerEnv(GATEWAY)).ANTHROPIC_OAUTH_TOKEN, old);

      const stale = await runStatus(p);
      assert.ok(!stale.timedOut, show(stale));
      assertNoSecret(stale, token, old);
      const js = JSON.parse(stale.stdout);
      assert.equal(
        js.ok,
        false,
        "status says ok while the gateway container still has the old token " +
          `(only .env is current):\n${show(stale)}`,
      );
      assert.notEqual(stale.code, 0, show(stale));
      assert.match(
        stale.stdout,
        new RegExp(GATEWAY),
        `status does not mention the gateway container:\n${show(stale)}`,
      );

      const r = await runTool(p);
      assert.equal(r.code, 0, show(r));
      const synced = await runStatus(p);
      assert.equal(synced.code, 0, show(synced));
      assertNoSecret(synced, token, old);
      assert.equal(JSON.parse(synced.stdout).ok, true, show(synced));
    }),
);

// v1 only: under the v2 shim, docker CLI 28 answers SIGTERM by closing its
// plugin socket and waiting for the plugin, and the shim (docker-compose 1.29.2)
// ignores that socket, so a killed `docker compose` lingers until compose's
// own 60 s read timeout. A real compose v2 plugin stops on the socket close.
engineTest(
  "fault: hung daemon (socket accepts, never answers), compose v1 -> exit 1 within --compose-timeout",
  300_000,
  () =>
    withProject({ flavor: "v1" }, async (p) => {
      await mainExists();
      const sock = `${p.root}/hung.sock`;
      const listener = Deno.listen({ transport: "unix", path: sock });
      const conns: Deno.Conn[] = [];
      const accepting = (async () => {
        for await (const c of listener) conns.push(c);
      })().catch(() => {});
      try {
        const token = testToken();
        await p.writeCredentials(token);
        const r = await runTool(p, {
          env: { DOCKER_HOST: `unix://${sock}` },
          extra: ["--compose-timeout", "5s"],
          timeoutMs: 120_000,
        });
        assert.equal(r.code, 1, show(r));
        assert.ok(
          r.ms < 45_000,
          `--compose-timeout 5s not enforced: the pass took ${
            Math.round(r.ms / 1000)
          } s`,
        );
        assert.match(r.output, /timed out/i, show(r));
        assert.equal(await envFileToken(p.envFile), token);
      } finally {
        listener.close();
        for (const c of conns) {
          try {
            c.close();
          } catch { /* already closed */ }
        }
        await accepting;
      }
    }),
);

// Last: stops and restarts the engine. The v2 shim stops the daemon right
// before it forwards `up`, i.e. after the tool has decided to recreate.
engineTest(
  "fault: daemon stopped mid-pass -> exit 1, .env synced; after restart a pass delivers",
  300_000,
  () =>
    withProject({ flavor: "v2" }, async (p) => {
      await mainExists();
      const token = testToken();
      await p.writeCredentials(token);
      await p.armStopDaemonOnUp();
      let r: RunResult;
      try {
        r = await runTool(p);
      } finally {
        await must("bash", [ENGINE_SH, "start"], { timeoutMs: 120_000 });
      }
      assert.equal(r.code, 1, `expected exit 1 (delivery failed):\n${show(r)}`);
      assert.equal(await envFileToken(p.envFile), token);
      const r2 = await runTool(p);
      assert.equal(r2.code, 0, show(r2));
      const gws = await p.containers(GATEWAY);
      assert.equal(gws.length, 1, JSON.stringify(gws));
      assert.ok(gws[0].running, "gateway not running after recovery");
      assert.equal(
        (await p.containerEnv(GATEWAY)).ANTHROPIC_OAUTH_TOKEN,
        token,
      );
    }),
);
