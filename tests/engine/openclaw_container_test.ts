// The default OpenClaw route against a real OpenClaw gateway in a real
// container of a docker compose project on the real engine: the tool on the
// host asks it through `docker compose exec -T <service> openclaw` (no
// --openclaw-cli), pastes the first token inside the container, then, given
// --openclaw-state (the state directory the container bind-mounts), writes
// the store on the host and has the gateway reload over its WebSocket API.
//
// No image is built: the gateway service runs local/busybox with the host's
// Node 24 and openclaw@2026.9.6 (tests/openclaw/setup.sh) and glibc mounted
// read-only, as uid 1000 like the official image, on the host's network so
// that it reaches the mock Messages API on 127.0.0.1 and the host reaches its
// WebSocket. Needs the engine of tests/engine/engine.sh and setup.sh's cache.
// Prints the time from each credentials rename to the token verified in use.

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import {
  Running,
  type TestLogin,
  testLogin,
  waitFor,
  Workspace,
} from "../helpers/fixture.ts";
import { connectGateway } from "../../src/openclaw/gateway.ts";
import { MANUAL_PROFILE } from "../../src/sinks/auth_store.ts";
import {
  createState,
  freePort,
  gatewayBearer,
  gatewayRunArgs,
  type OcState,
  paths,
  startMock,
  tokenEndpointCalls,
} from "../openclaw/harness.ts";
import {
  engineTest,
  envFileToken,
  GATEWAY,
  must,
  Project,
  requireEngine,
} from "./fixture.ts";

/** The container's user: the official image runs the gateway as `node`, uid 1000. */
const CONTAINER_USER = "1000:1000";

/** A workspace whose tool process runs against the project's real engine and compose, not the fake docker. */
class EngineWorkspace extends Workspace {
  project!: Project;
  override env(): Record<string, string> {
    return { ...this.project.env, NO_COLOR: "1" };
  }
}

/** The project's compose file (JSON is YAML): the gateway service as a container running the mounted OpenClaw. */
function gatewayCompose(st: OcState, port: number): string {
  const { PATH: _host, ...env } = st.env;
  const nodePackage = dirname(dirname(paths.node));
  const nodeModules = dirname(dirname(paths.entry));
  const service = {
    image: "local/busybox",
    user: CONTAINER_USER,
    network_mode: "host",
    init: true,
    environment: {
      ...env,
      PATH: "/usr/local/bin:/bin",
      // as OpenClaw's own compose file has it: from the .env beside it
      OPENCLAW_GATEWAY_TOKEN: "${OPENCLAW_GATEWAY_TOKEN}",
    },
    volumes: [
      ...["/lib", "/lib64", "/usr/lib"].map((d) => `${d}:${d}:ro`),
      `${nodePackage}:${nodePackage}:ro`,
      `${nodeModules}:${nodeModules}:ro`,
      `${paths.denyNet}:${paths.denyNet}:ro`,
      "./openclaw:/usr/local/bin/openclaw:ro",
      // OpenClaw keeps its state locks in a hard-coded /tmp, which the image
      // has only for root
      "./tmp:/tmp",
      `${st.dir}:${st.dir}`,
    ],
    command: ["openclaw", ...gatewayRunArgs(port)],
  };
  return JSON.stringify({ services: { [GATEWAY]: service } }, null, 2) + "\n";
}

/** Lays out the compose project around the OpenClaw state and starts it. */
async function startGatewayProject(st: OcState, port: number) {
  const project = await Project.create({
    flavor: "v2",
    extraEnv: [`OPENCLAW_GATEWAY_TOKEN=${st.gatewayToken}`],
  });
  await Deno.writeTextFile(project.composeFile, gatewayCompose(st, port));
  await Deno.writeTextFile(
    join(project.dir, "openclaw"),
    `#!/bin/sh\nexec ${paths.node} ${paths.entry} "$@"\n`,
    { mode: 0o755 },
  );
  await Deno.mkdir(join(project.dir, "tmp"));
  await Deno.chmod(join(project.dir, "tmp"), 0o1777);
  await must("chown", ["-R", CONTAINER_USER, st.dir]);
  await project.up();
  return project;
}

/** Waits until the gateway in the container accepts a WebSocket connect; returns how long it took. */
async function gatewayReady(url: string, token: string): Promise<number> {
  const t0 = Date.now();
  await waitFor(
    "the gateway in the container to accept a connect",
    async () => {
      try {
        (await connectGateway(url, token, undefined, 5_000)).close();
        return true;
      } catch {
        await new Promise((r) => setTimeout(r, 500));
        return false;
      }
    },
    150_000,
  );
  return Date.now() - t0;
}

/** The expiry the gateway shows for anthropic:manual (models.authStatus). */
async function manualExpiry(url: string, token: string): Promise<number> {
  const conn = await connectGateway(url, token);
  try {
    const res = await conn.call("models.authStatus", {});
    const status = res.payload as {
      providers: {
        provider: string;
        profiles: { profileId: string; expiry?: { at?: number } }[];
      }[];
    };
    const at = status.providers.find((p) => p.provider === "anthropic")
      ?.profiles.find((p) => p.profileId === MANUAL_PROFILE)?.expiry?.at;
    assert.ok(at !== undefined, JSON.stringify(res));
    return at;
  } finally {
    conn.close();
  }
}

/** When the agent's last pass ended, from its state file (0 before any). */
async function lastPassAt(ws: Workspace): Promise<number> {
  const file = join(ws.claudeDir, ".sync-oauth-token-state.json");
  const text = await Deno.readTextFile(file).catch(() => "{}");
  return JSON.parse(text).lastPass?.at ?? 0;
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

engineTest(
  "openclaw in a compose container: the default `docker compose exec -T` route pastes the first token, --openclaw-state then takes the direct route; the gateway's next request carries each new token; no refresh by OpenClaw",
  420_000,
  async () => {
    await requireEngine();
    await Deno.stat(paths.entry).catch(() => {
      throw new Error(`${paths.entry} is missing: run tests/openclaw/setup.sh`);
    });
    const ws = new EngineWorkspace((await Workspace.create()).root);
    const mock = await startMock(join(ws.root, "mock.jsonl"));
    const port = freePort();
    const url = `ws://127.0.0.1:${port}`;
    const st = await createState({
      mockPort: mock.port,
      config: { gateway: { mode: "local", bind: "loopback", port } },
    });
    const figures: string[] = [];
    const agents: Running[] = [];
    let project: Project | undefined;
    try {
      const t0 = Date.now();
      project = await startGatewayProject(st, port);
      ws.project = project;
      const container = await project.containerId(GATEWAY);
      const envBefore = await Deno.readTextFile(project.envFile);
      figures.push(
        `compose up ${
          Date.now() - t0
        } ms, gateway accepts a connect ${await gatewayReady(
          url,
          st.gatewayToken,
        )} ms later`,
      );
      const flags = [
        "--credentials",
        ws.credentials,
        "--config",
        ws.configFile,
        "--env-file",
        project.envFile,
        "--compose-dir",
        project.dir,
        "--service",
        GATEWAY,
      ];

      // 1. no --openclaw-state: the CLI route, paste-token inside the container
      let login: TestLogin = testLogin();
      let written = Date.now();
      await ws.writeLogin(login);
      const viaCli = Running.start(ws, flags);
      agents.push(viaCli);
      await waitFor(
        "the first token verified in use",
        () => viaCli.count(/updated, verified in use/) >= 1,
        180_000,
      );
      figures.push(
        `rotation 1 (paste-token, agent start incl. probe) → verified in use ${
          Date.now() - written
        } ms`,
      );
      assert.equal(viaCli.count(/delivery route.* route=cli /), 1);
      assert.match(
        viaCli.stderr,
        /updated, verified in use docker compose exec -T openclaw-gateway openclaw /,
      );
      assert.equal(
        await gatewayBearer(url, st, mock.logPath, "rotation-1"),
        `Bearer ${login.accessToken}`,
        "rotation 1: the gateway's next request carries the pasted token",
      );
      assert.equal((await viaCli.stop()).code, 0, viaCli.stderr);
      figures.push(
        `paste-token stored an expiry ${
          await manualExpiry(url, st.gatewayToken) - login.expiresAt
        } ms after the login's`,
      );

      // 2. with --openclaw-state: the direct route for the next rotations
      const started = Date.now();
      const direct = Running.start(ws, [
        ...flags,
        "--openclaw-state",
        st.stateDir,
      ]);
      agents.push(direct);
      await waitFor(
        "the restarted agent's first pass",
        async () => await lastPassAt(ws) >= started,
        120_000,
      );
      assert.equal(
        direct.count(/updated/),
        0,
        `the store already held the token: nothing delivered again\n${direct.stderr}`,
      );
      for (let rotation = 2; rotation <= 3; rotation++) {
        login = testLogin();
        written = Date.now();
        await ws.writeLogin(login);
        await waitFor(
          `rotation ${rotation} verified in use`,
          () =>
            direct.count(/updated, verified in use.*openclaw\.sqlite/) >=
              rotation - 1,
          60_000,
        );
        figures.push(
          `rotation ${rotation} (direct) rename → verified in use ${
            Date.now() - written
          } ms`,
        );
        assert.equal(
          await gatewayBearer(url, st, mock.logPath, `rotation-${rotation}`),
          `Bearer ${login.accessToken}`,
          `rotation ${rotation}: the gateway's next request carries the new token`,
        );
      }
      assert.doesNotMatch(direct.stderr, /direct route unavailable|WARN|ERROR/);
      assert.equal((await direct.stop()).code, 0, direct.stderr);

      // 3. status through the CLI route, and what must not have happened
      const status = await ws.run([
        "status",
        ...flags,
      ]);
      assert.equal(status.code, 0, status.stdout + status.stderr);
      assert.match(status.stdout, /route +cli/);
      assert.match(
        status.stdout,
        /openclaw .* in sync +uses the current token \(verified\)/,
      );
      assert.deepEqual(
        await tokenEndpointCalls(st),
        [],
        "OpenClaw called the token endpoint",
      );
      for (const agent of agents) {
        assert.ok(
          !agent.stderr.includes(login.accessToken),
          "no token in logs",
        );
      }
      assert.deepEqual(
        await notOwnedBy(st.stateDir, 1000),
        [],
        "the host-side store writes leave every state file to the container's user",
      );
      assert.equal(
        await Deno.readTextFile(project.envFile),
        envBefore,
        "the CLI route leaves the .env alone",
      );
      assert.ok(await envFileToken(project.envFile));
      assert.equal(
        await project.containerId(GATEWAY),
        container,
        "the gateway was never recreated",
      );
      const composeCalls = await project.composeCalls("v2");
      assert.deepEqual(
        composeCalls.filter((c) =>
          !/^(version|exec -T openclaw-gateway openclaw )/.test(c)
        ),
        [],
        "compose was only asked for its version and to exec the CLI",
      );
      console.log(figures.join("\n"));
    } finally {
      for (const agent of agents) await agent.stop();
      await project?.down();
      await mock.stop();
      await Deno.remove(st.dir, { recursive: true });
      await ws.cleanup();
    }
  },
);
