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
 * How far memory may move. Once an agent goes quiet it runs V8's last-resort
 * collection and gives free pages back, so its quiet V8 memory (the
 * anonymous mappings; C's malloc heap is apart, moving within about 2 MiB of
 * a high-water mark and back) is the same before and after the changes
 * unless something is kept: that is where a leak shows. Under load, V8 (run
 * with the shipped flags: no optimizing compiler, a 1 MiB young generation)
 * lets the objects a pass promotes pile up in its old generation for several
 * thousand changes and then collects them, so RSS climbs above the quiet
 * level in a saw tooth of bounded height. The heap case below shows that no
 * JavaScript object is leaked per pass.
 */
const QUIET_GROWTH_KIB = 512;
const LOAD_ABOVE_QUIET_KIB = 14 * 1024;
/** How long after the last change the agents have given memory back (2 s after their last pass or recreate) and their idle I/O threads ended (10 s). */
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

/** A process's quiet memory in KiB: its RSS, and its anonymous mappings apart from C's heap and the stack (V8's heap). */
async function quietMemory(pid: number): Promise<{ rss: number; v8: number }> {
  const smaps = await Deno.readTextFile(`/proc/${pid}/smaps`);
  let rss = 0, v8 = 0, anonymous = false;
  for (const line of smaps.split("\n")) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(\S*)/.exec(line);
    if (mapping) anonymous = mapping[1] === "";
    else if (line.startsWith("Rss:")) {
      const kib = Number(line.split(/\s+/)[1]);
      rss += kib;
      if (anonymous) v8 += kib;
    }
  }
  return { rss, v8 };
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
        const quiet: { rss: number; v8: number }[][] = [];
        const quietRss = async () => {
          await sleep(QUIET_WAIT_MS);
          quiet.push(
            await Promise.all(agents.map((a) => quietMemory(a.child.pid))),
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
          if (i === WARM_UP) await quietRss();
          if (i >= WARM_UP && (i - WARM_UP) % SAMPLE_EVERY === 0) {
            for (const [n, agent] of agents.entries()) {
              samples[n].push(await agent.rssKiB());
            }
          }
        }
        const seconds = (performance.now() - t0) / 1000;
        await quietRss();
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
        const growth = quiet[1].map((after, n) => after.v8 - quiet[0][n].v8);
        const quietShown = quiet[0].map((before, n) =>
          `${mib(before.rss)} -> ${mib(quiet[1][n].rss)} (V8 ${
            mib(before.v8)
          } -> ${mib(quiet[1][n].v8)})`
        ).join(" / ");
        assert.ok(
          above.every((b) => b < LOAD_ABOVE_QUIET_KIB),
          `RSS under load rose ${
            above.map(mib).join(" and ")
          } MiB above quiet: ${shown}`,
        );
        assert.ok(
          growth.every((g) => g < QUIET_GROWTH_KIB),
          `quiet V8 memory rose by ${
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
        } MiB above quiet); quiet RSS before and after the changes: A / B ${quietShown} MiB`;
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
