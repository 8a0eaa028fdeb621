/**
 * Benchmarks of delivery to the real openclaw@2026.9.6, printed as numbers
 * (no assertions beyond each token being carried):
 *
 * - compose: OpenClaw's own compose file and `.env` on the real engine
 *   (tests/engine/official.ts), the tool given only --env-file. Per
 *   rotation: credentials rename → verified in use, rename → the gateway's
 *   next model request carrying the new token (the request is made as soon as
 *   the tool says verified), OpenClaw CLI start-ups (compose calls running
 *   `openclaw … models …`) and gateway container restarts; then the same with
 *   the direct route closed, two ways: the gateway refuses the token the tool
 *   has (so verification falls back to `models status`), and no store on this
 *   host (the gateway still confirms, from inside its container).
 * - native: a gateway on loopback, `openclaw` on PATH, only --credentials:
 *   rename → verified in use, and the next request carrying it.
 *
 * Needs the engine (tests/engine/engine.sh start) and tests/openclaw/setup.sh.
 * Run: `deno task bench --openclaw [--rotations N]`, or this file alone.
 */
import { join } from "node:path";
import {
  Running,
  type TestLogin,
  testLogin,
  waitFor,
} from "../helpers/fixture.ts";
import type { Runner } from "../../src/lib/process.ts";
import { askInContainer } from "../../src/openclaw/in_container.ts";
import { Deployment, DeploymentWorkspace } from "../engine/official.ts";
import { requireEngine } from "../engine/fixture.ts";
import {
  createState,
  gatewayBearer,
  messagesSince,
  paths,
  startGateway,
  startMock,
} from "../openclaw/harness.ts";

/** The q-quantile of numbers (nearest rank). */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** p50/p95/max of a series, in ms. */
function spread(values: number[]): string {
  return `p50 ${Math.round(quantile(values, 0.5))} ms, p95 ${
    Math.round(quantile(values, 0.95))
  } ms, max ${Math.round(Math.max(...values))} ms (n=${values.length})`;
}

/** The gateway container's start time and restart count. */
async function started(d: Deployment): Promise<string> {
  const out = await new Deno.Command("docker", {
    args: [
      "inspect",
      "-f",
      "{{.State.StartedAt}} {{.RestartCount}}",
      await d.container(),
    ],
    env: d.project.env,
  }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

/** OpenClaw CLI start-ups the tool made through compose so far. */
async function cliStarts(d: Deployment): Promise<number> {
  return (await d.project.composeCalls("v2")).filter((c) =>
    / (openclaw|node dist\/index\.js|node openclaw\.mjs) models /.test(c)
  ).length;
}

/** One compose variant: N rotations after the first; prints its figures. */
async function composeRotations(
  d: Deployment,
  label: string,
  extra: string[],
  rotations: number,
): Promise<void> {
  const ws = await DeploymentWorkspace.open(d.project.env);
  const flags = ws.deploymentFlags(d, ...extra);
  let login: TestLogin = testLogin();
  await ws.writeLogin(login);
  const container = await d.container();
  const before = await started(d);
  const startsBefore = await cliStarts(d);
  const t0 = Date.now();
  const agent = Running.start(ws, flags);
  try {
    await waitFor(
      "the first delivery",
      () => agent.count(/updated, verified in use/) >= 1,
      600_000,
    );
    const first = Date.now() - t0;
    const startsAfterFirst = await cliStarts(d);
    const firstStarts = startsAfterFirst - startsBefore;
    const verified: number[] = [];
    const carried: number[] = [];
    const path: number[] = [];
    for (let i = 1; i <= rotations; i++) {
      login = testLogin();
      const done = agent.count(/updated, verified in use/);
      const rename = Date.now();
      await ws.writeLogin(login);
      await waitFor(
        `rotation ${i}`,
        () => agent.count(/updated, verified in use/) > done,
        300_000,
      );
      verified.push(Date.now() - rename);
      const asked = Date.now();
      const seen = await d.nextRequest();
      if (seen.authorization !== `Bearer ${login.accessToken}`) {
        throw new Error(`${label}: rotation ${i} was not carried`);
      }
      carried.push(seen.ts - rename);
      path.push(seen.ts - asked);
    }
    const starts = (await cliStarts(d)) - startsAfterFirst;
    const restarts = (await d.container()) !== container ||
      (await started(d)) !== before;
    console.log(
      `compose, ${label}: first delivery (agent start, discovery${
        extra.length ? "" : ", paste-token"
      }) ${first} ms, ${firstStarts} compose calls running the CLI (a missing program's failed exec included)`,
    );
    console.log(`  rename → verified in use: ${spread(verified)}`);
    console.log(
      `  rename → the gateway's next model request carrying it: ${
        spread(carried)
      } (of which the request itself, asked after "verified": ${spread(path)})`,
    );
    console.log(
      `  per rotation: ${(starts / rotations).toFixed(2)} CLI start-ups, ${
        restarts ? "the gateway was RESTARTED" : "0 container restarts"
      }; log: ${agent.count(/WARN/)} warnings`,
    );
  } finally {
    await agent.stop();
    await ws.cleanup();
  }
}

/** The native figures: N rotations after the first. */
async function nativeRotations(rotations: number): Promise<void> {
  const ws = await DeploymentWorkspace.open();
  const mock = await startMock(join(ws.root, "mock.jsonl"));
  const st = await createState({ mockPort: mock.port, native: true });
  await Deno.mkdir(join(st.home, "bin"));
  await Deno.writeTextFile(
    join(st.home, "bin", "openclaw"),
    `#!/bin/sh\nexec ${paths.node} ${paths.entry} "$@"\n`,
    { mode: 0o755 },
  );
  const gateway = await startGateway(st);
  const { PATH: _p, OPENCLAW_STATE_DIR: _s, ...offline } = st.env;
  ws.projectEnv = {
    ...offline,
    PATH: `${ws.bin}:${join(st.home, "bin")}:${Deno.env.get("PATH")}`,
  };
  let login = testLogin();
  await ws.writeLogin(login);
  const t0 = Date.now();
  const agent = Running.start(ws, [
    "--credentials",
    ws.credentials,
    "--config",
    ws.configFile,
  ]);
  try {
    await waitFor(
      "the first delivery",
      () => agent.count(/updated, verified in use/) >= 1,
      600_000,
    );
    const first = Date.now() - t0;
    const verified: number[] = [];
    const carried: number[] = [];
    const path: number[] = [];
    for (let i = 1; i <= rotations; i++) {
      login = testLogin();
      const rename = Date.now();
      await ws.writeLogin(login);
      await waitFor(
        `native rotation ${i}`,
        () => agent.count(/updated, verified in use/) > i,
        120_000,
      );
      verified.push(Date.now() - rename);
      const asked = Date.now();
      const bearer = await gatewayBearer(
        gateway.url,
        st,
        mock.logPath,
        `n${i}`,
      );
      if (bearer !== `Bearer ${login.accessToken}`) {
        throw new Error(`native: rotation ${i} was not carried`);
      }
      const [seen] = await messagesSince(mock.logPath, asked);
      carried.push(seen.ts - rename);
      path.push(seen.ts - asked);
    }
    console.log(
      `native: first delivery (agent start, discovery, paste-token) ${first} ms; docker calls: ${
        (await ws.dockerCalls()).length
      }`,
    );
    console.log(`  rename → verified in use: ${spread(verified)}`);
    console.log(
      `  rename → the gateway's next model request carrying it: ${
        spread(carried)
      } (of which the request itself, asked after "verified": ${spread(path)})`,
    );
  } finally {
    await agent.stop();
    await gateway.stop();
    await mock.stop();
    await Deno.remove(st.dir, { recursive: true });
    await ws.cleanup();
  }
}

/** What the direct route spends on asking the gateway: the in-container client alone (docker exec + node + reload + status), 10 times. */
async function inContainerClient(d: Deployment): Promise<void> {
  const run: Runner = async (argv, o) => {
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      env: d.project.env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(o.stdin ?? ""));
    await w.close();
    const out = await child.output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
      timedOut: false,
    };
  };
  const times: number[] = [];
  const container = await d.container();
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const answer = await askInContainer(run, container, {
      url: "ws://127.0.0.1:18789",
      token: d.st.gatewayToken,
      refresh: true,
      timeoutMs: 10_000,
    });
    if (answer.error) throw new Error(answer.error);
    times.push(performance.now() - t0);
  }
  console.log(
    `  the in-container client alone (docker exec -i … node -e, models.authRefresh + models.authStatus): ${
      spread(times)
    }`,
  );
}

/** Runs every OpenClaw benchmark with `rotations` rotations each. */
export async function benchOpenClaw(rotations = 12): Promise<void> {
  await requireEngine();
  const d = await Deployment.start("2026.9.6");
  try {
    await composeRotations(
      d,
      "direct route (no --openclaw* option)",
      [],
      rotations,
    );
    await inContainerClient(d);
    await composeRotations(
      d,
      "direct route closed: the gateway refuses the token the tool has (--openclaw-gateway-token wrong)",
      ["--openclaw-gateway-token", "wrong-token"],
      rotations,
    );
    const empty = await Deno.makeTempDir({ prefix: "sot-bench-empty-" });
    try {
      await composeRotations(
        d,
        "direct route closed: no store on this host (--openclaw-state <an empty directory>)",
        ["--openclaw-state", empty],
        rotations,
      );
    } finally {
      await Deno.remove(empty, { recursive: true });
    }
  } finally {
    await d.stop();
  }
  await nativeRotations(rotations);
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--rotations");
  await benchOpenClaw(i >= 0 ? Number(Deno.args[i + 1]) : undefined);
}
