// Benchmark: how long the gateway is down per token change, --restart recreate
// versus down-up, on the real engine of tests/engine/engine.sh.
//
//   bash tests/engine/engine.sh start && eval "$(bash tests/engine/engine.sh env)"
//   deno run -A tests/bench/downtime.ts [--rounds 5] [--flavor v2|v1] [--direct]
//
// Each round writes new credentials and runs one `sync-oauth-token --once`
// pass (or, with --direct or without src/main.ts, the compose commands the
// tool runs). Meanwhile the Docker API is polled every 20 ms over the unix
// socket for the gateway's containers (by compose labels), with their state
// and env. Per round:
//   downtime  last poll that saw the old gateway running -> first poll that
//             saw a running gateway with the new token in its env
//   total     the change (pass started) -> new gateway running with the new token
// Prints numbers only; no assertions.

import {
  engineEnv,
  GATEWAY,
  MAIN_TS,
  Project,
  requireEngine,
  run,
  runTool,
  testToken,
} from "../engine/fixture.ts";

const POLL_MS = 20;

function arg(name: string, dflt: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < Deno.args.length ? Deno.args[i + 1] : dflt;
}
const ROUNDS = Number(arg("rounds", "5"));
const FLAVOR = arg("flavor", "v2") as "v1" | "v2";
let direct = Deno.args.includes("--direct");
if (!direct) {
  try {
    await Deno.stat(MAIN_TS);
  } catch {
    console.log(`(${MAIN_TS} not found: timing the compose commands directly)`);
    direct = true;
  }
}

/** GET on the Docker API over its unix socket (HTTP/1.0: the server closes). */
async function dockerGet(path: string): Promise<unknown> {
  const host = engineEnv().DOCKER_HOST;
  if (!host.startsWith("unix://")) throw new Error(`need a unix DOCKER_HOST`);
  const conn = await Deno.connect({ transport: "unix", path: host.slice(7) });
  try {
    await conn.write(
      new TextEncoder().encode(`GET ${path} HTTP/1.0\r\nHost: docker\r\n\r\n`),
    );
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const text = new TextDecoder().decode(
      new Uint8Array(chunks.flatMap((c) => [...c])),
    );
    const body = text.slice(text.indexOf("\r\n\r\n") + 4);
    if (!/^HTTP\/1\.\d 200/.test(text)) {
      throw new Error(`docker API ${path}: ${text.split("\r\n")[0]}`);
    }
    return JSON.parse(body);
  } finally {
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

interface Ctr {
  Id: string;
  State: string;
}

/** Running gateway containers, and whether one of them has `token` in its env. */
async function probe(
  p: Project,
  token: string,
  envCache: Map<string, string[]>,
): Promise<{ running: string[]; newUp: boolean }> {
  const filters = JSON.stringify({
    label: [
      `com.docker.compose.project.working_dir=${p.dir}`,
      `com.docker.compose.service=${GATEWAY}`,
    ],
  });
  const list = await dockerGet(
    `/containers/json?all=1&filters=${encodeURIComponent(filters)}`,
  ) as Ctr[];
  const running = list.filter((c) => c.State === "running").map((c) => c.Id);
  let newUp = false;
  for (const id of running) {
    let env = envCache.get(id);
    if (!env) {
      try {
        const info = await dockerGet(`/containers/${id}/json`) as {
          Config: { Env: string[] };
          State: { Running: boolean };
        };
        if (!info.State.Running) continue;
        env = info.Config.Env;
        envCache.set(id, env);
      } catch {
        continue; // removed between list and inspect
      }
    }
    if (env.includes(`ANTHROPIC_OAUTH_TOKEN=${token}`)) newUp = true;
  }
  return { running, newUp };
}

async function directPass(
  p: Project,
  token: string,
  mode: string,
): Promise<number> {
  const text = await Deno.readTextFile(p.envFile);
  await Deno.writeTextFile(
    p.envFile,
    text.replace(
      /^ANTHROPIC_OAUTH_TOKEN=.*$/m,
      `ANTHROPIC_OAUTH_TOKEN=${token}`,
    ),
  );
  const steps = mode === "recreate"
    ? [["up", "-d", "--force-recreate", "--no-deps", GATEWAY]]
    : [["down"], ["up", "-d"]];
  for (const s of steps) {
    const r = await p.compose(s);
    if (r.code !== 0) return r.code;
  }
  return 0;
}

interface Round {
  downtime: number;
  total: number;
  pass: number;
}

async function measure(p: Project, mode: string): Promise<Round> {
  const token = testToken();
  const envCache = new Map<string, string[]>();
  const before = await probe(p, token, envCache);
  if (before.running.length !== 1) {
    throw new Error(`gateway not running before the round`);
  }
  if (!direct) await p.writeCredentials(token);
  const t0 = performance.now();
  let lastOldSeen = t0;
  let newAt: number | undefined;
  let passDone: number | undefined;
  let passCode = 0;
  const pass = (direct ? directPass(p, token, mode) : runTool(p, {
    restart: mode as "recreate" | "down-up",
  }).then((r) => {
    if (r.code !== 0) console.error(r.output);
    return r.code;
  })).then((code) => {
    passCode = code;
    passDone = performance.now();
  });
  const deadline = t0 + 120_000;
  while (newAt === undefined && performance.now() < deadline) {
    const tick = performance.now();
    const s = await probe(p, token, envCache);
    if (s.running.includes(before.running[0])) lastOldSeen = tick;
    if (s.newUp) newAt = tick;
    const wait = POLL_MS - (performance.now() - tick);
    if (newAt === undefined && wait > 0) {
      await new Promise((r) => setTimeout(r, wait));
    }
  }
  await pass;
  if (passCode !== 0) throw new Error(`pass failed with exit ${passCode}`);
  if (newAt === undefined) throw new Error("new gateway never came up");
  return {
    downtime: newAt - lastOldSeen,
    total: newAt - t0,
    pass: passDone! - t0,
  };
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = s.length % 2
    ? s[(s.length - 1) / 2]
    : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return `median ${Math.round(med)} ms, max ${Math.round(s[s.length - 1])} ms`;
}

await requireEngine();
const cpu = await run("nproc", []);
console.log(
  `downtime per token change: compose ${FLAVOR}, ${ROUNDS} rounds per mode, ` +
    `poll ${POLL_MS} ms, ${
      direct ? "compose directly" : "sync-oauth-token --once"
    }, ` +
    `${cpu.stdout.trim()} cpus`,
);
const summary: string[] = [];
for (const mode of ["recreate", "down-up"]) {
  const p = await Project.create({ flavor: FLAVOR });
  try {
    await p.up();
    if (!direct) {
      // first pass of a fresh project: syncs the initial token (not timed)
      await p.writeCredentials(
        (await Deno.readTextFile(p.envFile)).match(
          /^ANTHROPIC_OAUTH_TOKEN=(.*)$/m,
        )![1],
      );
      await runTool(p, { restart: "none" });
    }
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const r = await measure(p, mode);
      rounds.push(r);
      console.log(
        `${mode.padEnd(8)} round ${i + 1}: downtime ${
          Math.round(r.downtime)
        } ms, change->new gateway up ${Math.round(r.total)} ms, pass ${
          Math.round(r.pass)
        } ms`,
      );
    }
    summary.push(
      `${mode.padEnd(8)} downtime ${stats(rounds.map((r) => r.downtime))}; ` +
        `change->up ${stats(rounds.map((r) => r.total))}; ` +
        `pass ${stats(rounds.map((r) => r.pass))}`,
    );
  } finally {
    await p.down();
  }
}
console.log("summary:");
for (const s of summary) console.log("  " + s);
