/**
 * A native OpenClaw found and served with nothing configured (issue 18): the
 * real openclaw@2026.9.6 installed as `npm install -g` leaves it (`openclaw`
 * on PATH, state in ~/.openclaw of a temporary HOME, the gateway's token in
 * openclaw.json), its gateway running on loopback; the tool given only its
 * credentials. Three rotations, each verified in use and carried by the
 * gateway's next request; not one docker call. Prints rename → verified in use.
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
  type OcState,
  paths,
  startGateway,
  startMock,
  tokenEndpointCalls,
} from "./harness.ts";

/** A workspace whose tool runs as the native install's user: its HOME, `openclaw` on its PATH (after the recording fake docker). */
class NativeWorkspace extends Workspace {
  st!: OcState;
  override env(): Record<string, string> {
    const {
      OPENCLAW_DISABLE_BONJOUR,
      OPENCLAW_SKIP_CHANNELS,
      OPENCLAW_NO_RESPAWN,
      NODE_OPTIONS,
      DENY_NET_LOG,
      DENY_NET_TOKEN_URL,
    } = this.st.env;
    const base = super.env();
    return {
      ...base,
      // the CLI it starts runs offline, as the gateway does
      OPENCLAW_DISABLE_BONJOUR,
      OPENCLAW_SKIP_CHANNELS,
      OPENCLAW_NO_RESPAWN,
      NODE_OPTIONS,
      DENY_NET_LOG,
      DENY_NET_TOKEN_URL,
      HOME: this.st.home,
      PATH: `${this.bin}:${join(this.st.home, "bin")}:${Deno.env.get("PATH")}`,
    };
  }
}

Deno.test("native openclaw 2026.9.6, only --credentials: found in ~/.openclaw with `openclaw` on PATH; the first token pasted (said once), later ones straight to the store; each verified and carried by the gateway's next request; no docker call", async () => {
  const ws = new NativeWorkspace((await Workspace.create()).root);
  const mock = await startMock(join(ws.root, "mock.jsonl"));
  ws.st = await createState({ mockPort: mock.port, native: true });
  const st = ws.st;
  await Deno.mkdir(join(st.home, "bin"));
  await Deno.writeTextFile(
    join(st.home, "bin", "openclaw"),
    `#!/bin/sh\nexec ${paths.node} ${paths.entry} "$@"\n`,
    { mode: 0o755 },
  );
  const gateway = await startGateway(st);
  const flags = ["--credentials", ws.credentials, "--config", ws.configFile];
  let login: TestLogin = testLogin();
  await ws.writeLogin(login);
  const agent = Running.start(ws, flags);
  const figures: string[] = [];
  try {
    let written = Date.now();
    for (let rotation = 1; rotation <= 3; rotation++) {
      if (rotation > 1) {
        login = testLogin();
        written = Date.now();
        await ws.writeLogin(login);
      }
      await waitFor(
        `rotation ${rotation} verified in use`,
        () => agent.count(/updated, verified in use/) >= rotation,
        rotation === 1 ? 240_000 : 60_000,
      );
      figures.push(
        `rotation ${rotation}${
          rotation === 1 ? " (agent start, paste-token)" : " (store)"
        } rename → verified in use ${Date.now() - written} ms`,
      );
      assert.equal(
        await gatewayBearer(
          gateway.url,
          st,
          mock.logPath,
          `native-${rotation}`,
        ),
        `Bearer ${login.accessToken}`,
        `rotation ${rotation}: the gateway's next request carries the new token`,
      );
    }
    const home = st.home.replaceAll("/", "\\/");
    assert.match(
      agent.stderr,
      new RegExp(
        `delivery route route=cli why="a current OpenClaw: ${home}\\/\\.openclaw\\/state\\/openclaw\\.sqlite \\(found: ~\\/\\.openclaw of \\w+, the agent's user\\)".* direct="open: gateway ws:\\/\\/127\\.0\\.0\\.1:${gateway.port} \\(gateway\\.port in ${home}\\/\\.openclaw\\/openclaw\\.json\\), token from gateway\\.auth\\.token in ${home}\\/\\.openclaw\\/openclaw\\.json" cli="openclaw \\(openclaw on PATH`,
      ),
    );
    assert.equal(
      agent.count(
        /first delivery to this OpenClaw through `models auth paste-token`/,
      ),
      1,
    );
    assert.equal(
      agent.count(
        /updated, verified in use.*\.openclaw\/state\/openclaw\.sqlite/,
      ),
      2,
      "rotations 2 and 3 go straight to the store",
    );
    assert.doesNotMatch(agent.stderr, /WARN|ERROR/);
    const status = await ws.run(["status", ...flags]);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(
      status.stdout,
      /found +\S+\.openclaw +native OpenClaw 2026\.9\.6; state directory from found: ~\/\.openclaw of \w+, the agent's user; CLI openclaw/,
    );
    assert.match(
      status.stdout,
      /openclaw .* in sync +uses the current token \(verified/,
    );
    assert.deepEqual(await ws.dockerCalls(), [], "not one docker call");
    // a compose target configured beside it: delivered to as configured, the
    // native one named by doctor
    await Deno.writeTextFile(ws.envFile, "OPENCLAW_GATEWAY_TOKEN=x\n");
    const doctor = await ws.run([
      "doctor",
      ...flags,
      "--env-file",
      ws.envFile,
    ]);
    assert.match(
      doctor.stdout,
      /^WARN {2}openclaw .*a native OpenClaw is also on this host \(\S+\.openclaw \(~\/\.openclaw of \w+, the agent's user\)\); this target delivers to the compose gateway as configured/m,
    );
    assert.deepEqual(
      await tokenEndpointCalls(st),
      [],
      "OpenClaw called the token endpoint",
    );
    console.log(figures.join("\n"));
  } finally {
    assert.equal((await agent.stop()).code, 0, agent.stderr);
    await gateway.stop();
    await mock.stop();
    await Deno.remove(st.dir, { recursive: true });
    await ws.cleanup();
  }
});

/** A workspace whose tool runs with its own empty HOME. */
class EmptyHome extends Workspace {
  home = "";
  override env(): Record<string, string> {
    return { ...super.env(), HOME: this.home };
  }
}

Deno.test("nothing configured and no native OpenClaw: still the usage error (exit 2), saying where it looked", async () => {
  const ws = new EmptyHome((await Workspace.create()).root);
  ws.home = join(ws.root, "home");
  await Deno.mkdir(ws.home);
  try {
    await ws.writeLogin(testLogin());
    const out = await ws.run([
      "--once",
      "--credentials",
      ws.credentials,
      "--config",
      ws.configFile,
    ]);
    assert.equal(out.code, 2, out.stderr);
    assert.match(
      out.stderr,
      /nothing to deliver to: set --env-file .*; no native OpenClaw found either \(OPENCLAW_STATE_DIR is not set; .*\/home\/\.openclaw \(~\/\.openclaw of \w+, the agent's user\) holds no openclaw\.json\)/,
    );
    assert.deepEqual(await ws.dockerCalls(), []);
  } finally {
    await ws.cleanup();
  }
});
