/**
 * Benchmarks of the agent on this machine, printed as numbers (no assertions):
 * the wall time of a no-op `--once`, rename-to-delivery latency in watch mode,
 * a burst of renames, idle CPU and memory (after start, after the burst, and
 * after many changes: `--changes N`, default 100,000; each measured over 10 s
 * from 40 s after the last work), beside a bare
 * Deno.watchFs program run with the same flags; and rename to every target for
 * 1, 5 and 20 targets. `--quick` runs 10,000 changes instead. With --openclaw,
 * also the delivery to the real OpenClaw (tests/bench/openclaw.ts: minutes;
 * needs the engine and tests/openclaw/setup.sh).
 */
import { dirname } from "node:path";
import { benchTargets } from "./targets.ts";
import { ms, percentiles, quantile, renameLatencies } from "./latency.ts";
import {
  RUN_FLAGS,
  Running,
  testLogin,
  waitFor,
  Workspace,
} from "../helpers/fixture.ts";

/** A workspace with a delivered login, oauth.json configured. */
async function workspace(): Promise<Workspace> {
  const ws = await Workspace.create();
  await ws.writeLogin(testLogin());
  await Deno.writeTextFile(ws.envFile, "A=1\n");
  await Deno.mkdir(dirname(ws.oauthJson), { recursive: true });
  return ws;
}

/** CPU ticks (user + system) a process has used, from /proc. */
async function cpuTicks(pid: number): Promise<number> {
  const fields = (await Deno.readTextFile(`/proc/${pid}/stat`)).split(") ")[1]
    .split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * How long after its last work a process is idle: V8's memory reducer
 * collects (and returns memory) about 8 s after allocations slow down, but
 * never earlier than 30 s after the process started
 * (--gc-memory-reducer-start-delay-ms, seen with --trace-memory-reducer), so
 * an idle figure taken sooner is the heap before its first collection.
 */
const SETTLE_MS = 40_000;

/** CPU ticks a process uses in 10 idle seconds (from SETTLE_MS after its last work), and its memory after them. */
async function idleFigures(pid: number): Promise<string> {
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const ticks0 = await cpuTicks(pid);
  await new Promise((r) => setTimeout(r, 10_000));
  const ticks = (await cpuTicks(pid)) - ticks0;
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const mib = (key: string) =>
    (Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)![1]) / 1024)
      .toFixed(1);
  return `${ticks} CPU ticks, RSS ${mib("VmRSS")} MiB (${
    mib("RssAnon")
  } anonymous, ${mib("RssFile")} pages of the deno executable and libraries)`;
}

/** The idle figures of a bare Deno.watchFs program run with the tool's flags: the floor under the agent's. */
async function benchBareWatcher(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sot-bench-" });
  const script = `${dir}/bare.ts`;
  await Deno.writeTextFile(
    script,
    `for await (const _ of Deno.watchFs(${JSON.stringify(dir)})) {}\n`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...RUN_FLAGS, script],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    console.log(
      `bare Deno.watchFs with the same flags, idle: ${await idleFigures(
        child.pid,
      )}`,
    );
  } finally {
    child.kill();
    await child.status;
    await Deno.remove(dir, { recursive: true });
  }
}

/** The wall time of a no-op `--once`, beside an empty program run with the same flags (the floor: Deno's own start and exit on this machine at this hour), interleaved. */
async function benchOnce(): Promise<void> {
  const ws = await workspace();
  const flags = ws.flags("--once", "--oauth-json", ws.oauthJson);
  const empty = `${ws.root}/empty.ts`;
  await Deno.writeTextFile(empty, "");
  await ws.run(flags);
  const times: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < 15; i++) {
    let t0 = performance.now();
    const out = await ws.run(flags);
    times.push(performance.now() - t0);
    if (out.code !== 0) throw new Error(out.stderr);
    t0 = performance.now();
    await new Deno.Command(Deno.execPath(), {
      args: ["run", ...RUN_FLAGS, empty],
    }).output();
    floor.push(performance.now() - t0);
  }
  console.log(
    `no-op --once (deno run, 15 runs): median ${
      ms(quantile(times, 0.5))
    } ms, max ${
      ms(Math.max(...times))
    } ms; an empty program, same flags: median ${ms(quantile(floor, 0.5))} ms`,
  );
  await ws.cleanup();
}

/** How many changes the flatness run makes. */
const CHANGES = Deno.args.includes("--quick")
  ? 10_000
  : Number(Deno.args[Deno.args.indexOf("--changes") + 1] ?? 100_000) ||
    100_000;

async function benchWatch(): Promise<void> {
  const ws = await workspace();
  const agent = Running.start(
    ws,
    ws.flags("--oauth-json", ws.oauthJson, "--log-level", "warn"),
  );
  const first =
    JSON.parse(await Deno.readTextFile(ws.credentials)).claudeAiOauth;
  await waitFor("the first pass", () => ws.holdsToken(first.accessToken));
  console.log(`idle after start: ${await idleFigures(agent.child.pid)}`);
  // Latency: rename of a new credentials file until both sinks hold it.
  const latencies = await renameLatencies(
    ws,
    [ws.composeDir, dirname(ws.oauthJson)],
    (token) => ws.holdsToken(token),
    60,
  );
  console.log(
    `rename -> oauth.json and .env updated (60 changes): ${
      percentiles(latencies)
    }, max ${ms(Math.max(...latencies))} ms`,
  );
  // Burst: 50 renames 5 ms apart.
  await new Promise((r) => setTimeout(r, 1500));
  const recreates = async () =>
    (await ws.dockerCalls()).filter((c) => c.argv.startsWith("compose up"))
      .length;
  const before = await recreates();
  let last = testLogin();
  for (let i = 0; i < 50; i++) {
    last = testLogin();
    await ws.writeLogin(last);
    await new Promise((r) => setTimeout(r, 5));
  }
  await waitFor(
    "the burst's last write",
    () => ws.holdsToken(last.accessToken),
  );
  await new Promise((r) => setTimeout(r, 2500));
  console.log(
    `50 renames 5 ms apart: final state is the last write: ${await ws
      .holdsToken(last.accessToken)}, recreates: ${
      (await recreates()) - before
    }`,
  );
  console.log(`idle after the burst: ${await idleFigures(agent.child.pid)}`);
  // Flat: RSS every tenth of the changes (the writer waits for delivery every
  // 50), then idle again.
  const rss: string[] = [];
  const t0 = performance.now();
  for (let i = 1; i <= CHANGES; i++) {
    last = testLogin();
    await ws.writeLogin(last);
    if (i % 50 === 0) {
      const target = last;
      await waitFor(`change ${i}`, () => ws.holdsToken(target.accessToken));
    }
    if (i % (CHANGES / 10) === 0) {
      rss.push(((await agent.rssKiB()) / 1024).toFixed(1));
    }
  }
  await waitFor("the last change", () => ws.holdsToken(last.accessToken));
  console.log(
    `${CHANGES.toLocaleString("en")} changes in ${
      ((performance.now() - t0) / 1000).toFixed(0)
    } s, RSS every ${(CHANGES / 10).toLocaleString("en")}: ${
      rss.join(", ")
    } MiB`,
  );
  console.log(
    `idle after the changes: ${await idleFigures(agent.child.pid)}`,
  );
  await agent.stop();
  await ws.cleanup();
}

console.log(
  `machine: ${Deno.build.target}, ${navigator.hardwareConcurrency} cores, deno ${Deno.version.deno}; the tool runs with ${
    RUN_FLAGS.join(" ")
  }`,
);
await benchOnce();
await benchBareWatcher();
await benchWatch();
await benchTargets([1, 5, 20]);
// Delivery to the real OpenClaw, in a compose deployment on the real engine
// and natively: minutes, and the engine and OpenClaw's cache; only asked for.
if (Deno.args.includes("--openclaw")) {
  const { benchOpenClaw } = await import("./openclaw.ts");
  const i = Deno.args.indexOf("--rotations");
  await benchOpenClaw(i >= 0 ? Number(Deno.args[i + 1]) : undefined);
}
