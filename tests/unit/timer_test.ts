import assert from "node:assert/strict";
import {
  after,
  Deadline,
  every,
  sleep,
  Timers,
  within,
} from "../../src/timer.ts";

const TIMER = new URL("../../src/timer.ts", import.meta.url).href;

/** Runs a script that imports src/timer.ts; its output, or "still running" when it has not exited within limitMs. */
async function runScript(body: string, limitMs = 20_000): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--no-config",
      `import { after, sleep } from "${TIMER}";\n${body}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const limit = AbortSignal.timeout(limitMs);
  const killed = new Promise<string>((done) =>
    limit.addEventListener("abort", () => {
      child.kill("SIGKILL");
      done("still running");
    })
  );
  const output = child.output().then((o) =>
    new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr)
  );
  const result = await Promise.race([output, killed]);
  await output;
  return result;
}

Deno.test("after: runs the function once after the delay; a cancelled timer never runs", async () => {
  const ran: string[] = [];
  after(20, () => ran.push("kept"));
  const cancel = after(10, () => ran.push("cancelled"));
  cancel();
  await sleep(80);
  assert.deepEqual(ran, ["kept"]);
});

Deno.test("every: repeats until stopped", async () => {
  let ticks = 0;
  const stop = every(10, () => ticks++);
  await sleep(100);
  stop();
  const seen = ticks;
  await sleep(50);
  assert.ok(seen >= 3, `only ${seen} ticks in 100 ms`);
  assert.equal(ticks, seen, "a tick after stop");
});

Deno.test("sleep: an abort ends it at once, also when the signal was aborted before", async () => {
  const stop = new AbortController();
  const slept = sleep(60_000, stop.signal).then(() => "woke");
  stop.abort();
  assert.equal(await slept, "woke");
  assert.equal(await sleep(60_000, stop.signal).then(() => "woke"), "woke");
});

Deno.test("within: the promise's value in time, else an error with the message", async () => {
  assert.equal(await within(Promise.resolve(7), 1_000, "late"), 7);
  await assert.rejects(
    within(new Promise(() => {}), 10, "late"),
    /^Error: late$/,
  );
});

Deno.test("Deadline: runs once at the latest setting; an earlier setting runs earlier; clear cancels", async () => {
  const ran: number[] = [];
  const later = new Deadline(() => ran.push(performance.now()));
  const t0 = performance.now();
  later.set(Date.now() + 20);
  later.set(Date.now() + 120);
  await sleep(60);
  assert.deepEqual(ran, [], "ran at the first, earlier setting");
  await sleep(120);
  assert.equal(ran.length, 1);
  assert.ok(ran[0] - t0 >= 115, `ran after ${ran[0] - t0} ms`);

  const earlier: string[] = [];
  const moved = new Deadline(() => earlier.push("ran"));
  moved.set(Date.now() + 60_000);
  moved.set(Date.now() + 10);
  await sleep(50);
  assert.deepEqual(earlier, ["ran"]);

  const cleared = new Deadline(() => earlier.push("cleared one ran"));
  cleared.set(Date.now() + 10);
  cleared.clear();
  await sleep(50);
  assert.deepEqual(earlier, ["ran"]);
});

Deno.test("Deadline: moving it later 100 times arms one timer (a cancelled AbortSignal timer stays pending until its time)", () => {
  const timeout = AbortSignal.timeout;
  let armed = 0;
  AbortSignal.timeout = (ms) => {
    armed++;
    return timeout.call(AbortSignal, ms);
  };
  try {
    const deadline = new Deadline(() => {});
    for (let i = 1; i <= 100; i++) deadline.set(Date.now() + 3_600_000 + i);
    deadline.clear();
  } finally {
    AbortSignal.timeout = timeout;
  }
  assert.equal(armed, 1);
});

Deno.test("Timers.cancelAll: no pending timer runs afterwards", async () => {
  const timers = new Timers();
  const ran: number[] = [];
  timers.after(10, () => ran.push(1));
  timers.after(20, () => ran.push(2));
  timers.cancelAll();
  await sleep(60);
  assert.deepEqual(ran, []);
});

Deno.test("a pending timer keeps the process alive until it fires", async () => {
  assert.equal(
    await runScript(`after(300, () => console.log("fired"));`),
    "fired\n",
  );
});

Deno.test("a cancelled timer does not keep the process alive (a stopping agent exits at once)", async () => {
  assert.equal(
    await runScript(
      `after(600_000, () => console.log("fired"))(); console.log("done");`,
    ),
    "done\n",
  );
});

Deno.test("src never uses the setTimeout/setInterval globals: they load Deno's Node timer layer, about 5 MiB for good", async () => {
  const offenders: string[] = [];
  const walk = async (dir: URL) => {
    for await (const entry of Deno.readDir(dir)) {
      const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
      if (entry.isDirectory) await walk(url);
      else if (entry.name.endsWith(".ts")) {
        const code = await Deno.readTextFile(url);
        if (/\b(set|clear)(Timeout|Interval)\s*\(/.test(code)) {
          offenders.push(entry.name);
        }
      }
    }
  };
  await walk(new URL("../../src/", import.meta.url));
  assert.deepEqual(offenders, []);
});
