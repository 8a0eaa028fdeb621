import assert from "node:assert/strict";
import { type HookEvent, Hooks, splitCommand } from "../../../src/ops/hooks.ts";
import { fingerprint } from "../../../src/lib/fingerprint.ts";
import { memoryLog, recordingRunner } from "../../helpers/fakes.ts";
import { testLogin } from "../../helpers/fixture.ts";

Deno.test("hooks: a command splits into words like a shell would; no shell runs it", () => {
  assert.deepEqual(splitCommand("/usr/bin/notify --to ops"), [
    "/usr/bin/notify",
    "--to",
    "ops",
  ]);
  assert.deepEqual(
    splitCommand(`sh -c 'cat > "/tmp/a b"' x\\ y "q\\"uote" ''`),
    ["sh", "-c", `cat > "/tmp/a b"`, "x y", 'q"uote', ""],
  );
  assert.throws(() => splitCommand("echo 'open"), /unterminated/);
  assert.throws(() => splitCommand("   "), /empty hook/);
});

Deno.test("hooks: the event goes to stdin as JSON without a token; one run at a time, only the newest waiting event follows", async () => {
  const { accessToken } = testLogin();
  const { calls, run } = recordingRunner({}, 50);
  const hooks = new Hooks(
    { onFailure: "notify failed", hookTimeout: 1_000 },
    run,
    memoryLog(),
  );
  const event = (kind: string): HookEvent => ({
    event: "failure",
    kind,
    time: new Date(0).toISOString(),
    error: `bad ${accessToken}`,
  });
  hooks.emit(event("first"));
  hooks.emit(event("second"));
  hooks.emit(event("third"));
  hooks.emit({ event: "change", kind: "delivered", time: "" });
  await hooks.idle();
  assert.deepEqual(calls.map((c) => JSON.parse(c.options.stdin!).kind), [
    "first",
    "third",
  ], "the change has no hook; 'second' was superseded while 'first' ran");
  assert.deepEqual(calls[0].argv, ["notify", "failed"]);
  assert.equal(calls[0].options.timeoutMs, 1_000);
  assert.ok(!calls[0].options.stdin!.includes(accessToken));
  assert.ok(calls[0].options.stdin!.includes(fingerprint(accessToken)));
});

Deno.test("hooks: a hook that times out or fails is logged, never thrown", async () => {
  const log = memoryLog();
  const timedOut = new Hooks(
    { onChange: "hang", hookTimeout: 300 },
    recordingRunner({ code: 143, timedOut: true }).run,
    log,
  );
  timedOut.emit({ event: "change", kind: "delivered", time: "" });
  await timedOut.idle();
  const failing = new Hooks(
    { onChange: "fail", hookTimeout: 300 },
    recordingRunner({ code: 2, stderr: "no route\n" }).run,
    log,
  );
  failing.emit({ event: "change", kind: "delivered", time: "" });
  await failing.idle();
  assert.match(
    log.lines[0],
    /^WARN {2}hook killed after 300ms hook=--on-change/,
  );
  assert.match(log.lines[1], /hook exited 2: no route/);
});
