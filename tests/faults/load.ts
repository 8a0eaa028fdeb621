/** Load and locking: 10,000 changes followed by two agents on the same files, RSS sampled, writes never interleaved. */
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { envValue } from "../../src/dotenv.ts";
import { withSinkLocks } from "../../src/sink_lock.ts";
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
 * How far RSS may move over the measured changes. V8 (run with the shipped
 * flags: no optimizing compiler, a 1 MiB young generation) lets the objects
 * a pass promotes pile up in its old generation for several thousand changes
 * and then collects them, so RSS is a saw tooth: the band is its height, and
 * the trend (highest sample of the second half over the first half's) is
 * what a leak would show. The heap case below shows that no JavaScript
 * object is leaked.
 */
const RSS_BAND_KIB = 8 * 1024;
const RSS_TREND_KIB = 2 * 1024;
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
        agents.push(startAgent(ws, args), startAgent(ws, args));
        await waitFor(
          "the first delivery",
          () => ws.holdsToken(last.accessToken),
          20_000,
        );
        const samples: number[][] = [[], []];
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
          if (i >= WARM_UP && (i - WARM_UP) % SAMPLE_EVERY === 0) {
            for (const [n, agent] of agents.entries()) {
              samples[n].push(await agent.rssKiB());
            }
          }
        }
        const seconds = (performance.now() - t0) / 1000;
        for (const agent of agents) {
          assert.equal((await agent.stop()).code, 0, agent.stderr);
        }
        await monitor.close();
        assert.deepEqual(
          [...tempsIn(ws.composeDir), ...tempsIn(dirname(ws.oauthJson))],
          [],
        );
        const shown = samples.map((s) => s.map(mib).join(",")).join(" / ");
        const bands = samples.map((s) => Math.max(...s) - Math.min(...s));
        const trends = samples.map((s) => {
          const half = Math.ceil(s.length / 2);
          return Math.max(...s.slice(half)) - Math.max(...s.slice(0, half));
        });
        assert.ok(
          bands.every((b) => b < RSS_BAND_KIB),
          `RSS moved by ${bands.map(mib).join(" and ")} MiB: ${shown}`,
        );
        assert.ok(
          trends.every((t) => t < RSS_TREND_KIB),
          `RSS rose by ${trends.map(mib).join(" and ")} MiB: ${shown}`,
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
        } s, ends in the last token; ${monitor.seen.temps} temp files written, 0 interleaved; RSS every ${SAMPLE_EVERY} changes after warm-up: A ${
          range[0]
        } MiB, B ${range[1]} MiB (band ${
          bands.map(mib).join(" / ")
        } MiB; second half over first ${trends.map(mib).join(" / ")} MiB)`;
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
          /stayed locked by another sync-oauth-token for 300 ms/,
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
