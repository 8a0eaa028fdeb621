/**
 * End to end against the real OpenClaw, offline on loopback: the agent in
 * watch mode delivers each rotation, the real OpenClaw's next model call
 * carries `Bearer <new token>`, and OpenClaw never calls the token endpoint.
 * Needs setup.sh (run by .ci/run); each test starts and stops its own peers.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  Running,
  type TestLogin,
  testLogin,
  waitFor,
  Workspace,
} from "../helpers/fixture.ts";
import {
  createState,
  gatewayBearer,
  messagesSince,
  type OcState,
  paths,
  runCli,
  startGateway,
  startMock,
  tokenEndpointCalls,
  writeAuthProfiles,
} from "./harness.ts";

/** A workspace whose tool process runs with the OpenClaw state's environment. */
class OpenClawWorkspace extends Workspace {
  st!: OcState;
  override env(): Record<string, string> {
    return { ...this.st.env, ...super.env() };
  }
}

/** An expired OAuth profile holding a Claude refresh token: OpenClaw would refresh it if it ever used it. */
function staleOauthProfile(): Record<string, unknown> {
  const old = testLogin(-3600e3);
  return {
    type: "oauth",
    provider: "anthropic",
    access: old.accessToken,
    refresh: old.refreshToken,
    expires: old.expiresAt,
  };
}

/** Sets up a mock Messages API, an OpenClaw state for `entry`, and a workspace around both. */
async function setup(entry: string) {
  const ws = new OpenClawWorkspace((await Workspace.create()).root);
  const mock = await startMock(join(ws.root, "mock.jsonl"));
  ws.st = await createState({ mockPort: mock.port, entry });
  return { ws, mock, st: ws.st };
}

/** Runs a one-shot OpenClaw model call and asserts it carried the login's token. */
async function assertOneShotCarries(
  st: OcState,
  mockLog: string,
  args: string[],
  login: TestLogin,
  what: string,
): Promise<void> {
  const t0 = Date.now();
  const run = await runCli(st, [...args, "--json"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    (await messagesSince(mockLog, t0)).at(-1)?.authorization,
    `Bearer ${login.accessToken}`,
    what,
  );
}

/** Starts the tool in watch mode against an OpenClaw release's CLI (and its state directory). */
function startAgent(ws: Workspace, entry: string, stateDir: string): Running {
  return Running.start(ws, [
    "--credentials",
    ws.credentials,
    "--config",
    ws.configFile,
    "--openclaw-cli",
    `${paths.node} ${entry}`,
    "--openclaw-state",
    stateDir,
  ]);
}

/** Stops the tool (asserting exit 0) and every peer, and removes the temp directories. */
async function finish(
  agent: Running,
  ws: Workspace,
  st: OcState,
  ...peers: { stop(): Promise<void> }[]
): Promise<void> {
  assert.equal((await agent.stop()).code, 0);
  for (const peer of peers) await peer.stop();
  await Deno.remove(st.dir, { recursive: true });
  await ws.cleanup();
}

Deno.test("openclaw 2026.9.6: three rotations reach the running gateway and the one-shot infer (paste-token first, then the direct route); status verifies; no refresh by OpenClaw", async () => {
  const { ws, mock, st } = await setup(paths.entry);
  const cliPrefix = `${paths.node} ${paths.entry}`;
  // Create the store, then plant a stale OAuth profile that would win without an order.
  assert.equal((await runCli(st, ["models", "status", "--json"])).code, 0);
  writeAuthProfiles(st, { "anthropic:default": staleOauthProfile() });
  const gateway = await startGateway(st);
  let login: TestLogin = testLogin();
  await ws.writeLogin(login);
  const agent = startAgent(ws, paths.entry, st.stateDir);
  const figures: string[] = [];
  try {
    for (let rotation = 1; rotation <= 3; rotation++) {
      if (rotation > 1) login = testLogin();
      const t0 = Date.now();
      if (rotation > 1) await ws.writeLogin(login);
      await waitFor(
        `rotation ${rotation} verified`,
        () => agent.count(/updated, verified in use/) >= rotation,
        180_000,
      );
      const delivered = Date.now() - t0;
      assert.equal(
        await gatewayBearer(
          gateway.url,
          st,
          mock.logPath,
          `rotation-${rotation}`,
        ),
        `Bearer ${login.accessToken}`,
        `rotation ${rotation}: the gateway's next request carries the new token`,
      );
      const requested = Date.now() - t0;
      await assertOneShotCarries(
        st,
        mock.logPath,
        [
          "infer",
          "model",
          "run",
          "--local",
          "--model",
          "anthropic/claude-sonnet-4-5",
          "--prompt",
          "hi",
        ],
        login,
        `rotation ${rotation}: infer model run carries the new token`,
      );
      figures.push(
        `rotation ${rotation}: delivered+verified ${delivered} ms, gateway request done ${requested} ms`,
      );
    }
    assert.equal(
      agent.count(/updated, verified in use.*openclaw\.sqlite/),
      2,
      "rotations 2 and 3 take the direct route; only the first needs the CLI",
    );
    const status = await ws.run([
      "status",
      "--credentials",
      ws.credentials,
      "--config",
      ws.configFile,
      "--openclaw-cli",
      cliPrefix,
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
    assert.ok(!agent.stderr.includes(login.accessToken), "no token in logs");
    console.log(figures.join("\n"));
  } finally {
    await finish(agent, ws, st, gateway, mock);
  }
});

Deno.test("openclaw 2026.1.30: auto finds the old release and writes auth-profiles.json; three rotations reach its one-shot agent; no refresh by OpenClaw", async () => {
  const { ws, mock, st } = await setup(paths.oldEntry);
  const agentDir = join(st.stateDir, "agents", "main", "agent");
  await Deno.mkdir(agentDir, { recursive: true });
  await Deno.writeTextFile(
    join(agentDir, "auth-profiles.json"),
    JSON.stringify({
      version: 1,
      profiles: { "anthropic:default": staleOauthProfile() },
    }),
  );
  let login: TestLogin = testLogin();
  await ws.writeLogin(login);
  const agent = startAgent(ws, paths.oldEntry, st.stateDir);
  try {
    for (let rotation = 1; rotation <= 3; rotation++) {
      if (rotation > 1) {
        login = testLogin();
        await ws.writeLogin(login);
      }
      await waitFor(
        `rotation ${rotation} written`,
        () => agent.count(/updated .*auth-profiles\.json/) >= rotation,
        120_000,
      );
      await assertOneShotCarries(
        st,
        mock.logPath,
        [
          "agent",
          "--local",
          "--agent",
          "main",
          "--session-id",
          `rotation-${rotation}`,
          "--message",
          "hi",
        ],
        login,
        `rotation ${rotation}: the old release's next request carries the new token`,
      );
    }
    assert.match(agent.stderr, /route=auth-profiles/);
    assert.deepEqual(
      await tokenEndpointCalls(st),
      [],
      "OpenClaw called the token endpoint",
    );
    assert.ok(!agent.stderr.includes(login.accessToken), "no token in logs");
  } finally {
    await finish(agent, ws, st, mock);
  }
});
