// OpenClaw deployed the way its own Docker guide does it, on the private
// engine: tests/engine/official/docker-compose.yml (a copy of OpenClaw's
// compose file), a `.env` with the keys OpenClaw's setup script writes, and a
// gateway image laid out like the official one (tests/engine/official/
// Dockerfile: /app, uid 1000, no `openclaw` on PATH). The real OpenClaw
// package, its dependencies and Node 24 come from tests/openclaw/setup.sh's
// cache, mounted by a compose override (docker-compose.override.yml, which
// compose reads by itself), so nothing is built but a few-kilobyte image.
//
// The gateway binds `lan` on the project's bridge network and publishes its
// port, as upstream's does: a host connection through that port is not
// loopback to it. The mock Messages API runs in a service sharing the
// gateway's network namespace, on its 127.0.0.1. Model requests are made
// from inside the gateway's container (its own node and WebSocket).

import { join } from "node:path";
import { redact } from "../../src/lib/fingerprint.ts";
import { waitFor, Workspace } from "../helpers/fixture.ts";
import {
  agentTurn,
  createState,
  type OcState,
  paths,
  readJsonl,
} from "../openclaw/harness.ts";
import { GATEWAY, must, Project, randomId, run } from "./fixture.ts";

const HERE = new URL("./official/", import.meta.url).pathname;
/** The gateway image: tests/engine/official/Dockerfile. */
export const IMAGE = "local/openclaw-official";
/** The mock Messages API's port inside the gateway's network namespace. */
const MOCK_PORT = 18801;
/** The uid the official image runs as. */
export const NODE_UID = 1000;

/** Which OpenClaw and which of its compose files. */
export type Release = "2026.9.6" | "2026.1.30";

/** Builds the gateway image unless the engine has it. */
export async function buildImage(env: Record<string, string>): Promise<void> {
  const have = await run("docker", ["image", "inspect", IMAGE], { env });
  if (have.code === 0) return;
  await must("docker", ["build", "-q", "-t", IMAGE, HERE], {
    env,
    timeoutMs: 300_000,
  });
}

/** The test-only part of the project: mounts of the OpenClaw package, node and the preload, and the mock's service. */
function override(release: Release, root: string): string {
  const cache = release === "2026.9.6"
    ? join(paths.entry, "..", "..")
    : join(paths.oldEntry, "..", "..");
  const mounts = [
    "/lib:/lib:ro",
    "/lib64:/lib64:ro",
    "/usr/lib:/usr/lib:ro",
    `${paths.node}:/usr/local/bin/node:ro`,
    `${cache}/openclaw:/app:ro`,
    `${cache}:/node_modules:ro`,
    `${paths.denyNet}:/opt/deny_net.cjs:ro`,
    `${root}/mock:/mock`,
    // setup.sh's stub for the older release's git dependency, which
    // node_modules/libsignal links to as ../stub-libsignal
    ...(release === "2026.1.30"
      ? [`${join(cache, "..", "stub-libsignal")}:/stub-libsignal:ro`]
      : []),
  ];
  const services: Record<string, unknown> = {
    [GATEWAY]: {
      // a test's leftover must not come back when the shared engine restarts
      restart: "no",
      environment: {
        NODE_OPTIONS: "--require /opt/deny_net.cjs",
        DENY_NET_LOG: "/mock/deny_net.jsonl",
        OPENCLAW_DISABLE_BONJOUR: "1",
        OPENCLAW_SKIP_CHANNELS: "1",
        OPENCLAW_NO_RESPAWN: "1",
      },
      volumes: mounts,
    },
    "openclaw-cli": { volumes: mounts },
    mock: {
      image: IMAGE,
      user: "0:0",
      network_mode: `service:${GATEWAY}`,
      environment: { DENO_DIR: "/tmp/deno", MOCK_PORT: String(MOCK_PORT) },
      volumes: [
        "/lib:/lib:ro",
        "/lib64:/lib64:ro",
        "/usr/lib:/usr/lib:ro",
        `${Deno.execPath()}:/usr/local/bin/deno:ro`,
        `${paths.mock}:/opt/mock_anthropic.ts:ro`,
        `${root}/mock:/mock`,
      ],
      command: [
        "deno",
        "run",
        "--allow-net=127.0.0.1",
        "--allow-write=/mock",
        "--allow-env",
        "/opt/mock_anthropic.ts",
        "/mock/mock.jsonl",
      ],
    },
  };
  return JSON.stringify({ services }, null, 2) + "\n";
}

/** The `.env` as OpenClaw's setup script writes it (upsert_env of its keys, values raw). */
function setupEnv(st: OcState, root: string, port: number): string {
  return [
    `OPENCLAW_CONFIG_DIR=${st.stateDir}`,
    `OPENCLAW_WORKSPACE_DIR=${st.stateDir}/workspace`,
    `OPENCLAW_AUTH_PROFILE_SECRET_DIR=${root}/auth-profile-secrets`,
    `OPENCLAW_GATEWAY_PORT=${port}`,
    `OPENCLAW_BRIDGE_PORT=${port + 1}`,
    "OPENCLAW_GATEWAY_BIND=lan",
    `OPENCLAW_GATEWAY_TOKEN=${st.gatewayToken}`,
    `OPENCLAW_IMAGE=${IMAGE}`,
    "OPENCLAW_EXTRA_MOUNTS=",
    "OPENCLAW_HOME_VOLUME=",
    "OPENCLAW_DOCKER_APT_PACKAGES=",
    "",
  ].join("\n");
}

/** A free pair of TCP ports on the host (the published gateway and bridge ports). */
function freePorts(): number {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    try {
      for (const p of [port, port + 1]) {
        Deno.listen({ hostname: "127.0.0.1", port: p }).close();
      }
      return port;
    } catch { /* taken: try another */ }
  }
}

/** An OpenClaw compose deployment as its Docker guide makes it, running. */
export class Deployment {
  private constructor(
    readonly project: Project,
    readonly st: OcState,
    readonly release: Release,
  ) {}

  /** The mock's request log (a bind mount of the mock service). */
  get mockLog(): string {
    return join(this.project.root, "mock", "mock.jsonl");
  }

  /** Lays out the project and starts the gateway (and, for a model-calling test, the mock); waits until the gateway accepts a connect from inside. */
  static async start(
    release: Release,
    { mock = true }: { mock?: boolean } = {},
  ): Promise<Deployment> {
    const project = await Project.create({ flavor: "v2" });
    const root = project.root;
    await buildImage(project.env);
    const st = await createState({
      mockPort: MOCK_PORT,
      entry: release === "2026.9.6" ? paths.entry : paths.oldEntry,
      // inside the container: the gateway's own paths
      config: {
        gateway: { mode: "local" },
        logging: { file: "/home/node/.openclaw/openclaw.log" },
      },
    });
    const d = new Deployment(project, st, release);
    try {
      await Deno.mkdir(join(root, "mock"), { mode: 0o777 });
      await Deno.chmod(join(root, "mock"), 0o777);
      await Deno.mkdir(join(st.stateDir, "workspace"), { recursive: true });
      await Deno.mkdir(join(root, "auth-profile-secrets"));
      await must("chown", [
        "-R",
        `${NODE_UID}:${NODE_UID}`,
        st.stateDir,
        join(root, "auth-profile-secrets"),
      ]);
      const file = release === "2026.9.6"
        ? "docker-compose.yml"
        : "docker-compose.older.yml";
      await Deno.copyFile(join(HERE, file), project.composeFile);
      await Deno.writeTextFile(
        join(project.dir, "docker-compose.override.yml"),
        override(release, root),
      );
      // the setup script replaces it through mktemp: mode 0600
      await Deno.writeTextFile(
        project.envFile,
        setupEnv(st, root, freePorts()),
        { mode: 0o600 },
      );
      await Deno.chmod(project.envFile, 0o600);
      const services = mock ? [GATEWAY, "mock"] : [GATEWAY];
      const up = await project.compose(["up", "-d", ...services], 180_000);
      if (up.code !== 0) throw new Error(`compose up failed:\n${up.output}`);
      await d.ready();
      if (mock) {
        // the mock joined the gateway's namespace at its first start
        const again = await project.compose(
          ["up", "-d", "--force-recreate", "--no-deps", "mock"],
          60_000,
        );
        if (again.code !== 0) throw new Error(again.output);
      }
      await project.clearComposeLogs();
      return d;
    } catch (err) {
      if (Deno.env.get("SOT_KEEP")) {
        await Deno.writeTextFile(
          "/tmp/ocx/dbg-root",
          `${root}\n${project.dir}`,
        );
      } else await d.stop();
      throw err;
    }
  }

  /** The gateway's container id. */
  container(): Promise<string> {
    return this.project.containerId(GATEWAY);
  }

  /** Runs a small WebSocket client with the gateway container's node: one method, its final answer as JSON. */
  async call(method: string, params: unknown, timeoutMs = 120_000) {
    const r = await run("docker", [
      "exec",
      "-i",
      await this.container(),
      "node",
      "-e",
      CLIENT,
    ], {
      env: this.project.env,
      stdin: JSON.stringify({
        token: this.st.gatewayToken,
        method,
        params,
        timeoutMs,
        protocol: this.release === "2026.9.6" ? 4 : 3,
      }),
      timeoutMs: timeoutMs + 15_000,
    });
    try {
      return JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "") as {
        ok: boolean;
        payload?: unknown;
        error?: unknown;
      };
    } catch {
      const logs = await this.project.compose(
        ["logs", "--tail", "15", GATEWAY],
        30_000,
      );
      throw new Error(
        `in-container client (${method}): exit ${r.code}${
          r.timedOut ? ", timed out" : ""
        } after ${Math.round(r.ms)} ms: ${r.output}\ngateway log:\n${
          redact(logs.stdout)
        }`,
      );
    }
  }

  /** Waits until the gateway answers a connect from inside its container; returns how long that took. */
  async ready(timeoutMs = 180_000): Promise<number> {
    const t0 = Date.now();
    await waitFor(
      "the gateway to accept a connect",
      async () => {
        const r = await this.call("health", {}, 5_000).catch(() => undefined);
        if (r?.ok) return true;
        await new Promise((res) => setTimeout(res, 1000));
        return false;
      },
      timeoutMs,
    );
    return Date.now() - t0;
  }

  /** Has the gateway make one model request; returns the Authorization header the mock saw on it and when it arrived. */
  async nextRequest(
    session = `s-${randomId()}`,
  ): Promise<{ authorization: string | null; ts: number }> {
    const since = Date.now();
    const res = await this.call("agent", agentTurn(session));
    if (!res.ok) throw new Error(`agent failed: ${JSON.stringify(res.error)}`);
    const seen = (await readJsonl<{
      ts: number;
      path: string;
      authorization: string | null;
    }>(this.mockLog)).filter((r) =>
      r.ts >= since && r.path.endsWith("/v1/messages")
    );
    if (seen.length === 0) throw new Error("the gateway made no model call");
    return seen[0];
  }

  /** The token-endpoint calls OpenClaw made (deny_net records each). */
  async tokenEndpointCalls(): Promise<unknown[]> {
    return (await readJsonl<{ kind: string }>(
      join(this.project.root, "mock", "deny_net.jsonl"),
    )).filter((r) => r.kind === "token-endpoint");
  }

  /** Compose commands the tool ran that act on the gateway (up, down, restart, stop, rm…). */
  async gatewayActions(): Promise<string[]> {
    return (await this.project.composeCalls("v2")).filter((c) =>
      /^(up|down|restart|stop|start|rm|kill|create)\b/.test(
        c.replace(/^(-f \S+ |-p \S+ )*/, ""),
      )
    );
  }

  /** Takes the project down and removes every file. */
  async stop(): Promise<void> {
    await this.project.compose(
      ["down", "-v", "--remove-orphans", "-t", "1"],
      120_000,
    ).catch(() => undefined);
    await Deno.remove(join(this.project.dir, "docker-compose.override.yml"))
      .catch(() => {});
    await this.project.down();
    await Deno.remove(this.st.dir, { recursive: true }).catch(() => {});
  }
}

/** The client the tests run in the gateway's container: connect (protocol 4, or 3 for an older gateway), one method, print its final answer. */
const CLIENT = `
let input = "";
process.stdin.on("data", (d) => input += d).on("end", () => {
  const { token, method, params, timeoutMs, protocol } = JSON.parse(input);
  const done = (r) => { process.stdout.write(JSON.stringify(r) + "\\n"); process.exit(0); };
  setTimeout(() => done({ ok: false, error: "timed out" }), timeoutMs);
  const ws = new WebSocket("ws://127.0.0.1:18789");
  ws.onerror = (e) => done({ ok: false, error: "cannot connect " + (e.message || "") });
  ws.onmessage = (ev) => {
    const m = JSON.parse(String(ev.data));
    if (m.type === "event" && m.event === "connect.challenge") {
      ws.send(JSON.stringify({ type: "req", id: "c", method: "connect", params: {
        minProtocol: protocol, maxProtocol: protocol,
        client: { id: "gateway-client", version: "test", platform: "linux", mode: "backend" },
        role: "operator", scopes: ["operator.admin"], auth: { token } } }));
      return;
    }
    if (m.type !== "res" || (m.payload && m.payload.status === "accepted")) return;
    if (m.id === "c") {
      if (!m.ok) return done(m);
      ws.send(JSON.stringify({ type: "req", id: "r", method, params }));
      return;
    }
    done({ ok: m.ok, payload: m.payload, error: m.error });
  };
});
`;

/**
 * A workspace whose tool runs in a project's environment (the real engine
 * and compose, not the fake docker), with this process's Deno cache (the
 * project's HOME has none) and a state file of its own.
 */
export class DeploymentWorkspace extends Workspace {
  /** The environment the tool runs in: the project's, or a native install's. */
  projectEnv: Record<string, string> = {};

  /** A new workspace whose tool runs in projectEnv. */
  static async open(projectEnv: Record<string, string> = {}) {
    const ws = new DeploymentWorkspace((await Workspace.create()).root);
    ws.projectEnv = projectEnv;
    return ws;
  }

  override env(): Record<string, string> {
    return {
      ...this.projectEnv,
      XDG_STATE_HOME: join(this.root, "state"),
      NO_COLOR: "1",
      DENO_DIR: Deno.env.get("DENO_DIR") ??
        join(Deno.env.get("HOME") ?? "/root", ".cache", "deno"),
    };
  }

  /** The tool's flags for a deployment: this login and config file, the deployment's `.env`. */
  deploymentFlags(d: Deployment, ...more: string[]): string[] {
    return [
      "--credentials",
      this.credentials,
      "--config",
      this.configFile,
      "--env-file",
      d.project.envFile,
      ...more,
    ];
  }
}
