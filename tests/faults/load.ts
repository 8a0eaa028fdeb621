/** Load and locking: 10,000 changes followed by two agents on the same files, RSS sampled, writes never interleaved. */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { envValue } from "../../src/lib/dotenv.ts";
import { withSinkLocks } from "../../src/lib/dir_lock.ts";
import { type Running, waitFor } from "../helpers/fixture.ts";
import {
  dispose,
  type FaultCase,
  faultLogin,
  runTool,
  sleep,
  startAgent,
  tempsIn,
  workspace,
} from "./harness.ts";

const CHANGES = 10_000;
/** Changes before the measured ones, while V8 grows its heap to what a pass keeps. */
const WARM_UP = 3_000;
const SAMPLE_EVERY = 1_000;
/** The writer waits for delivery every this many changes, so the agents keep up. */
const CATCH_UP_EVERY = 50;
/**
 * How far memory may move. A leak shows in the V8 heap the agents still use
 * after a full collection, which the test asks of each agent through V8's
 * inspector before and after the changes: it may not grow by more than
 * HEAP_GROWTH_KIB. RSS itself is a saw tooth under load: V8 (run with the
 * shipped flags: no optimizing compiler, a 1 MiB young generation) lets the
 * objects a pass promotes pile up in its old generation for thousands of
 * changes and then collects them, when it chooses; its height above the quiet
 * level is bounded by LOAD_ABOVE_QUIET_KIB.
 */
const HEAP_GROWTH_KIB = 512;
const LOAD_ABOVE_QUIET_KIB = 14 * 1024;
/** How long after the last change the agents are quiet: their idle I/O threads ended (10 s). */
const QUIET_WAIT_MS = 12_000;
/** Passes of the heap case and how often it collects and samples. */
const HEAP_PASSES = 3_000;
const HEAP_EVERY = 500;
/** Largest growth of the heap in use after a full collection. */
const HEAP_SLACK_MIB = 1;
const KEY = "ANTHROPIC_OAUTH_TOKEN";
const TEMP = /\.sot-[0-9a-f]{16}\.tmp$/;

/**
 * Follows the directories with inotify and counts the moments when a temp
 * file of the agents was created while another one in the same directory was
 * still alive (created, not yet renamed or removed): two interleaved writes.
 */
function watchTemps(dirs: string[]) {
  const watcher = Deno.watchFs(dirs, { recursive: false });
  const alive = new Map(dirs.map((d) => [d, new Set<string>()]));
  const seen = { temps: 0, overlaps: 0, unknown: 0 };
  const done = (async () => {
    for await (const event of watcher) {
      if (event.kind === "other") seen.unknown++;
      for (const path of event.paths.filter((p) => TEMP.test(p))) {
        const set = alive.get(dirname(path));
        if (!set) continue;
        if (event.kind === "create") {
          seen.temps++;
          if (set.size > 0) seen.overlaps++;
          set.add(path);
        } else if (event.kind === "rename" || event.kind === "remove") {
          set.delete(path);
        }
      }
    }
  })();
  return {
    seen,
    async close() {
      await sleep(200);
      watcher.close();
      await done;
    },
  };
}

/** Runs a full collection in an agent started with --inspect, through V8's inspector; returns the heap it still uses, in KiB. */
async function heapAfterGc(agent: Running): Promise<number> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(agent.stderr)?.[1];
  if (!url) throw new Error("the agent did not start its inspector");
  const ws = new WebSocket(url);
  await new Promise((open, fail) => {
    ws.onopen = open;
    ws.onerror = fail;
  });
  let id = 0;
  const call = (method: string) =>
    new Promise<Record<string, number>>((resolve) => {
      const mine = ++id;
      const answer = (e: MessageEvent) => {
        const m = JSON.parse(e.data);
        if (m.id !== mine) return;
        ws.removeEventListener("message", answer);
        resolve(m.result);
      };
      ws.addEventListener("message", answer);
      ws.send(JSON.stringify({ id: mine, method }));
    });
  try {
    await call("HeapProfiler.enable");
    await call("HeapProfiler.collectGarbage");
    return (await call("Runtime.getHeapUsage")).usedSize / 1024;
  } finally {
    ws.close();
  }
}

/** A number of KiB as MiB with one decimal. */
function mib(kib: number): string {
  return (kib / 1024).toFixed(1);
}

export const loadCases: FaultCase[] = [
  {
    name: `load: ${
      CHANGES.toLocaleString("en")
    } changes, two watch agents on the same files`,
    timeoutMs: 170_000,
    async run() {
      const ws = await workspace("A=1\n");
      const agents: Running[] = [];
      const monitor = watchTemps([ws.composeDir, dirname(ws.oauthJson)]);
      try {
        await Deno.writeTextFile(ws.oauthJson, "{}");
        let last = faultLogin();
        await ws.writeLogin(last);
        const args = ws.flags(
          "--oauth-json",
          ws.oauthJson,
          "--settle",
          "200ms",
          "--log-level",
          "warn",
        );
        const inspect = ["--inspect=127.0.0.1:0"];
        agents.push(
          startAgent(ws, args, [], inspect),
          startAgent(ws, args, [], inspect),
        );
        await waitFor(
          "the first delivery",
          () => ws.holdsToken(last.accessToken),
          20_000,
        );
        const samples: number[][] = [[], []];
        const quiet: { rss: number; heap: number }[][] = [];
        const quietMemory = async () => {
          await sleep(QUIET_WAIT_MS);
          quiet.push(
            await Promise.all(agents.map(async (a) => ({
              rss: await a.rssKiB(),
              heap: await heapAfterGc(a),
            }))),
          );
        };
        const t0 = performance.now();
        for (let i = 1; i <= WARM_UP + CHANGES; i++) {
          last = faultLogin();
          await ws.writeLogin(last);
          if (i % CATCH_UP_EVERY === 0) {
            const target = last;
            await waitFor(
              `change ${i}`,
              () => ws.holdsToken(target.accessToken),
              20_000,
            );
          }
          if (i === WARM_UP) await quietMemory();
          if (i >= WARM_UP && (i - WARM_UP) % SAMPLE_EVERY === 0) {
            for (const [n, agent] of agents.entries()) {
              samples[n].push(await agent.rssKiB());
            }
          }
        }
        const seconds = (performance.now() - t0) / 1000;
        await quietMemory();
        for (const agent of agents) {
          assert.equal((await agent.stop()).code, 0, agent.stderr);
        }
        await monitor.close();
        assert.deepEqual(
          [...tempsIn(ws.composeDir), ...tempsIn(dirname(ws.oauthJson))],
          [],
        );
        const shown = samples.map((s) => s.map(mib).join(",")).join(" / ");
        const above = samples.map((s, n) => Math.max(...s) - quiet[0][n].rss);
        const growth = quiet[1].map((after, n) =>
          after.heap - quiet[0][n].heap
        );
        const quietShown = quiet[0].map((before, n) =>
          `${mib(before.rss)} -> ${
            mib(quiet[1][n].rss)
          } (heap after a full GC ${mib(before.heap)} -> ${
            mib(quiet[1][n].heap)
          })`
        ).join(" / ");
        assert.ok(
          above.every((b) => b < LOAD_ABOVE_QUIET_KIB),
          `RSS under load rose ${
            above.map(mib).join(" and ")
          } MiB above quiet: ${shown}`,
        );
        assert.ok(
          growth.every((g) => g < HEAP_GROWTH_KIB),
          `the heap after a full GC grew by ${
            growth.map(mib).join(" and ")
          } MiB: ${quietShown}`,
        );
        assert.equal(monitor.seen.unknown, 0, "inotify lost events");
        assert.ok(monitor.seen.temps > 0, "no write seen");
        assert.equal(
          monitor.seen.overlaps,
          0,
          `interleaved writes: ${monitor.seen.overlaps}`,
        );
        const range = samples.map((s) =>
          `${mib(Math.min(...s))}-${mib(Math.max(...s))}`
        );
        return `${WARM_UP} warm-up + ${CHANGES} changes in ${
          seconds.toFixed(0)
        } s (a ${
          QUIET_WAIT_MS / 1000
        } s quiet pause among them), ends in the last token; ${monitor.seen.temps} temp files written, 0 interleaved; RSS every ${SAMPLE_EVERY} changes after warm-up: A ${
          range[0]
        } MiB, B ${range[1]} MiB (at most ${
          above.map(mib).join(" / ")
        } MiB above quiet); quiet before and after the changes: A / B ${quietShown} MiB`;
      } finally {
        for (const agent of agents) await agent.stop();
        await monitor.close().catch(() => {});
        await dispose(ws);
      }
    },
  },
  {
    name: `load: heap after full GC over ${
      HEAP_PASSES.toLocaleString("en")
    } passes in one process`,
    async run() {
      const dir = await Deno.makeTempDir({ prefix: "sot-heap-" });
      try {
        const probe = new URL("./heap_probe.ts", import.meta.url).pathname;
        const out = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--v8-flags=--expose-gc",
            probe,
            dir,
            String(HEAP_PASSES),
            String(HEAP_EVERY),
          ],
          stdin: "null",
        }).output();
        const stderr = new TextDecoder().decode(out.stderr);
        assert.equal(out.code, 0, stderr);
        const heap: number[] = JSON.parse(new TextDecoder().decode(out.stdout));
        const growth = Math.max(...heap) - heap[0];
        assert.ok(
          growth < HEAP_SLACK_MIB,
          `heap after GC grew ${growth.toFixed(2)} MiB: ${heap.join(", ")}`,
        );
        return `heap in use after a full GC every ${HEAP_EVERY} passes: ${
          Math.min(...heap).toFixed(2)
        }-${Math.max(...heap).toFixed(2)} MiB (growth ${
          growth.toFixed(2)
        } MiB): nothing leaks per pass`;
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  },
  {
    name:
      "lock: a pass waits for another writer's lock, and gives up after its wait",
    async run() {
      const ws = await workspace("A=1\n");
      const dir = await Deno.open(ws.composeDir, { read: true });
      try {
        const login = faultLogin();
        await ws.writeLogin(login);
        await dir.lock(true);
        const t0 = performance.now();
        const run = runTool(ws, ws.flags("--once"), "lock held");
        await sleep(1_500);
        const early = envValue(await Deno.readTextFile(ws.envFile), KEY);
        await dir.unlock();
        const out = await run;
        const waited = performance.now() - t0;
        assert.equal(early, undefined, "wrote while another held the lock");
        assert.equal(out.code, 0, out.stderr);
        assert.equal(
          envValue(await Deno.readTextFile(ws.envFile), KEY),
          login.accessToken,
        );
        await dir.lock(true);
        const gaveUp = await withSinkLocks(
          [ws.envFile],
          () => Promise.reject(new Error("ran without the lock")),
          300,
        ).then(() => "", (err) => String(err.message));
        assert.match(
          gaveUp,
          /stayed locked by another sync-oauth-token for 300ms/,
        );
        return `--once waited for a held lock (no write in 1.5 s, delivered ${
          (waited / 1000).toFixed(1)
        } s after the start, once released); a 300 ms wait ends in "stayed locked by another sync-oauth-token"`;
      } finally {
        dir.close();
        await dispose(ws);
      }
    },
  },
];
