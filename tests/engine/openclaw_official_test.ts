// The OpenClaw deployment people actually run (issues 16 and 17), on the real
// engine with the real OpenClaw: OpenClaw's own compose file and `.env`, a
// gateway image laid out like the official one (tests/engine/official.ts),
// and the tool given nothing but --env-file (and its credentials). It must
// find the state directory, the gateway and the CLI by itself; paste the
// first token through the CLI prefix that exists in that image; deliver
// every later one straight to the store, the gateway confirming from inside
// its container; and never recreate the gateway. With the older OpenClaw and
// its older compose file (no env_file, no ANTHROPIC_OAUTH_TOKEN in its
// environment, no store yet) it must say that the `.env` cannot reach the
// gateway instead of recreating it for nothing.
//
// Needs the engine of tests/engine/engine.sh and tests/openclaw/setup.sh's cache.
// Prints the time from each credentials rename to the token verified in use.

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  Running,
  type TestLogin,
  testLogin,
  waitFor,
} from "../helpers/fixture.ts";
import { paths } from "../openclaw/harness.ts";
import { engineTest, requireEngine } from "./fixture.ts";
import { Deployment, DeploymentWorkspace, NODE_UID } from "./official.ts";

/** The gateway's container is the one it was, and compose never acted on it. */
async function assertGatewayUntouched(
  d: Deployment,
  container: string,
): Promise<void> {
  assert.equal(
    await d.container(),
    container,
    "the gateway was never recreated",
  );
  assert.deepEqual(
    await d.gatewayActions(),
    [],
    "compose never acted on the gateway",
  );
}

/** Files under `dir` not owned by `uid`. */
async function notOwnedBy(dir: string, uid: number): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if ((await Deno.lstat(path)).uid !== uid) out.push(path);
    if (e.isDirectory) out.push(...await notOwnedBy(path, uid));
  }
  return out;
}

/** Fails clearly when setup.sh's cache is missing. */
async function requireOpenClaw(): Promise<void> {
  for (const entry of [paths.entry, paths.oldEntry]) {
    await Deno.stat(entry).catch(() => {
      throw new Error(`${entry} is missing: run tests/openclaw/setup.sh`);
    });
  }
}

engineTest(
  "openclaw's own compose deployment, only --env-file: the state directory, gateway and CLI are found; the first token goes through `node dist/index.js` paste-token, later ones straight to the store; the gateway's next request carries each; no recreate, no refresh by OpenClaw",
  600_000,
  async () => {
    await requireEngine();
    await requireOpenClaw();
    const t0 = Date.now();
    const d = await Deployment.start("2026.9.6");
    const figures = [
      `deployment up and the gateway accepting: ${Date.now() - t0} ms`,
    ];
    const ws = await DeploymentWorkspace.open(d.project.env);
    const flags = ws.deploymentFlags(d);
    let agent: Running | undefined;
    try {
      const container = await d.container();
      const envBefore = await Deno.readTextFile(d.project.envFile);
      let login: TestLogin = testLogin();
      let written = Date.now();
      await ws.writeLogin(login);
      agent = Running.start(ws, flags);
      const a = agent;
      await waitFor(
        "the first token verified in use",
        () => a.count(/updated, verified in use/) >= 1,
        240_000,
      );
      figures.push(
        `rotation 1 (agent start, discovery, paste-token) → verified in use ${
          Date.now() - written
        } ms`,
      );
      assert.match(
        a.stderr,
        /delivery route route=cli why="a current OpenClaw: .*\/state\/openclaw\.sqlite \(OPENCLAW_CONFIG_DIR in .*\.env\)" version="2026\.9\.6 \(schema_meta of state\/openclaw\.sqlite\)" state=.* direct="open: gateway ws:\/\/127\.0\.0\.1:18789 inside container \w+ .*token from OPENCLAW_GATEWAY_TOKEN in the gateway container's environment" cli="not asked yet; to try: docker compose exec -T openclaw-gateway openclaw \| docker compose exec -T openclaw-gateway node dist\/index\.js \| docker compose exec -T openclaw-gateway node openclaw\.mjs"/,
        "the route line says what was found and where",
      );
      assert.equal(
        a.count(
          /first delivery to this OpenClaw through `models auth paste-token`/,
        ),
        1,
        "the first delivery through paste-token is said once",
      );
      assert.match(
        a.stderr,
        /updated, verified in use docker compose exec -T openclaw-gateway node dist\/index\.js /,
        "pasted through the prefix that exists in this image",
      );
      assert.equal(
        (await d.nextRequest()).authorization,
        `Bearer ${login.accessToken}`,
        "rotation 1: the gateway's next request carries the pasted token",
      );
      for (let rotation = 2; rotation <= 3; rotation++) {
        login = testLogin();
        written = Date.now();
        await ws.writeLogin(login);
        await waitFor(
          `rotation ${rotation} verified in use`,
          () =>
            a.count(/updated, verified in use.*openclaw\.sqlite/) >=
              rotation - 1,
          60_000,
        );
        figures.push(
          `rotation ${rotation} (store, gateway reload from inside its container) rename → verified in use ${
            Date.now() - written
          } ms`,
        );
        const seen = await d.nextRequest();
        assert.equal(
          seen.authorization,
          `Bearer ${login.accessToken}`,
          `rotation ${rotation}: the gateway's next request carries the new token`,
        );
      }
      assert.doesNotMatch(a.stderr, /direct route unavailable|WARN|ERROR/);
      assert.equal(a.count(/updated/), 3, "one delivery per rotation");
      assert.equal((await a.stop()).code, 0, a.stderr);

      // status shows what was found and that the token is in use
      const status = await ws.run(["status", ...flags]);
      assert.equal(status.code, 0, status.stdout + status.stderr);
      assert.match(status.stdout, /route +cli +a current OpenClaw/);
      assert.match(
        status.stdout,
        /found +\S+ +compose OpenClaw 2026\.9\.6; state directory from OPENCLAW_CONFIG_DIR in \S+\.env; CLI docker compose exec -T openclaw-gateway node dist\/index\.js/,
      );
      assert.match(status.stdout, /direct +\S+openclaw\.sqlite +open: gateway/);
      assert.match(
        status.stdout,
        /openclaw .* in sync +uses the current token \(verified: the gateway 2026\.9\.6/,
      );

      // a --once run (cron) starts from what the last run learned: no
      // compose at all (the container and its compose variant are known), no
      // CLI, no reload for a token already verified
      await d.project.clearComposeLogs();
      const once = await ws.run(["--once", ...flags]);
      assert.equal(once.code, 0, once.stderr);
      assert.match(
        once.stderr,
        /nothing to do: every target holds the current token/,
      );
      assert.deepEqual(await d.project.composeCalls("v2"), []);

      // what must not have happened
      assert.deepEqual(
        await d.tokenEndpointCalls(),
        [],
        "OpenClaw called the token endpoint",
      );
      assert.deepEqual(
        await notOwnedBy(d.st.stateDir, NODE_UID),
        [],
        "the host-side store writes leave every state file to the container's user",
      );
      assert.equal(
        await Deno.readTextFile(d.project.envFile),
        envBefore,
        "the .env is left alone",
      );
      await assertGatewayUntouched(d, container);
      console.log(figures.join("\n"));
    } finally {
      await agent?.stop();
      await d.stop();
      await ws.cleanup();
    }
  },
);

engineTest(
  "the older OpenClaw with its older compose file (no env_file, no ANTHROPIC_OAUTH_TOKEN in its environment, no store yet), only --env-file: the .env route is taken but never recreates the gateway; a WARN once, doctor FAILs and status names the line to add",
  420_000,
  async () => {
    await requireEngine();
    await requireOpenClaw();
    const d = await Deployment.start("2026.1.30", { mock: false });
    const ws = await DeploymentWorkspace.open(d.project.env);
    const flags = ws.deploymentFlags(d, "--settle", "200ms");
    let agent: Running | undefined;
    try {
      const container = await d.container();
      let login = testLogin();
      await ws.writeLogin(login);
      agent = Running.start(ws, flags);
      const a = agent;
      await waitFor(
        "the .env's first update",
        () => a.count(/updated .*\.env/) >= 1,
        240_000,
      );
      await waitFor(
        "the warning that the .env does not reach the gateway",
        () => a.count(/does not reach openclaw-gateway's container/) >= 1,
        60_000,
      );
      assert.match(
        a.stderr,
        /delivery route route=env-only why="OpenClaw 2026\.1\.30 keeps auth-profiles\.json, but \S+ holds none yet \(--openclaw-state \S+ has it created\): \.env \+ recreate"/,
      );
      assert.match(
        a.stderr,
        /WARN .*does not reach openclaw-gateway's container.*fix: add `ANTHROPIC_OAUTH_TOKEN: \$\{ANTHROPIC_OAUTH_TOKEN:-\}` under services\.openclaw-gateway\.environment in docker-compose\.yml/,
      );
      login = testLogin();
      await ws.writeLogin(login);
      await waitFor(
        "the second rotation in the .env",
        () => a.count(/updated .*\.env/) >= 2,
        60_000,
      );
      await new Promise((r) => setTimeout(r, 2_000)); // past --settle
      assert.equal(
        a.count(/does not reach/),
        1,
        "said once, not per rotation",
      );
      assert.doesNotMatch(a.stderr, /gateway recreated/);
      assert.equal((await a.stop()).code, 0, a.stderr);

      const doctor = await ws.run(["doctor", ...flags.slice(0, -2)]);
      assert.equal(doctor.code, 1, doctor.stdout);
      assert.match(
        doctor.stdout,
        /^FAIL {2}env reach .*ANTHROPIC_OAUTH_TOKEN does not reach the container.*; fix: add `ANTHROPIC_OAUTH_TOKEN: \$\{ANTHROPIC_OAUTH_TOKEN:-\}` under services\.openclaw-gateway\.environment/m,
      );
      const status = await ws.run(["status", ...flags.slice(0, -2)]);
      assert.equal(status.code, 1, status.stdout);
      assert.match(
        status.stdout,
        /gateway .*NOT in sync +the \.env does not reach this container, so no recreate can bring the token: add `ANTHROPIC_OAUTH_TOKEN: \$\{ANTHROPIC_OAUTH_TOKEN:-\}`/,
      );
      await assertGatewayUntouched(d, container);
    } finally {
      await agent?.stop();
      await d.stop();
      await ws.cleanup();
    }
  },
);
