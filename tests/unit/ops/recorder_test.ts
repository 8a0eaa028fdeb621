import assert from "node:assert/strict";
import { deliveryFailed, loginEnded } from "../../../src/lib/errors.ts";
import { fingerprint } from "../../../src/lib/fingerprint.ts";
import { Hooks } from "../../../src/ops/hooks.ts";
import { Recorder } from "../../../src/ops/recorder.ts";
import type { PassOutcome } from "../../../src/pass/pass.ts";
import { memoryLog, recordingRunner } from "../../helpers/fakes.ts";
import { testLogin } from "../../helpers/fixture.ts";

Deno.test("recorder: one record(outcome) updates the state per target, the counters and each target's hooks", async () => {
  const login = testLogin();
  const gw = recordingRunner();
  const other = recordingRunner();
  let now = 1_000_000;
  const hooks = (run: typeof gw.run) =>
    new Hooks(
      { onChange: "c", onFailure: "f", hookTimeout: 1_000 },
      run,
      memoryLog(),
    );
  const recorder = await Recorder.open({
    hooks: new Map([["gw", hooks(gw.run)], ["other", hooks(other.run)]]),
    log: memoryLog(),
    now: () => now,
  });
  const pass: PassOutcome = {
    at: now,
    login,
    targets: [
      {
        target: "gw",
        changed: [{ name: "env file", path: "/srv/.env" }],
        failures: [],
        restart: "done",
      },
      {
        target: "other",
        changed: [],
        failures: [deliveryFailed(`boom ${login.accessToken}`)],
        restart: "none",
      },
    ],
  };
  recorder.record(pass);
  now += 1_000;
  recorder.refreshed(login);
  await recorder.idle();
  assert.equal(recorder.counters.passes, 1);
  assert.equal(recorder.counters.failures.delivery, 1);
  assert.deepEqual(recorder.counters.recreates, { gw: 1 });
  assert.deepEqual(recorder.counters.targetFailures, { other: 1 });
  assert.deepEqual(recorder.state.targets?.gw, {
    lastPass: { at: 1_000_000, ok: true },
    lastSyncAt: 1_000_000,
  });
  assert.equal(recorder.state.targets?.other.lastPass?.ok, false);
  assert.match(recorder.state.targets!.other.lastPass!.error!, /^boom …/);
  assert.equal(recorder.state.lastPass?.ok, false, "the worst target's pass");
  assert.equal(recorder.state.lastRefreshAt, now);
  const change = gw.calls.map((c) => JSON.parse(c.options.stdin!));
  assert.equal(change.length, 1);
  assert.equal(change[0].event, "change");
  assert.equal(change[0].target, "gw");
  assert.deepEqual(change[0].sinks, [{ sink: "env file", path: "/srv/.env" }]);
  assert.equal(change[0].token, fingerprint(login.accessToken));
  assert.equal(
    change[0].secondsLeft,
    Math.floor((login.expiresAt - 1e6) / 1e3),
  );
  const failure = other.calls.map((c) => JSON.parse(c.options.stdin!));
  assert.equal(failure.length, 1);
  assert.equal(failure[0].event, "failure");
  assert.equal(failure[0].kind, "delivery");
  assert.equal(failure[0].target, "other");
  for (const c of [...gw.calls, ...other.calls]) {
    assert.ok(!c.options.stdin!.includes(login.accessToken));
  }

  recorder.record({ at: now, login, targets: [] }, { once: true });
  assert.deepEqual({ ...recorder.state.lastPass }, {
    at: now,
    ok: true,
    once: true,
  });

  recorder.refreshFailed(loginEnded("invalid_grant"), login);
  assert.ok(recorder.isDead(login));
  assert.ok(!recorder.isDead(testLogin()), "another login is alive");
  assert.equal(recorder.state.lastPass?.kind, "login_ended");
});

Deno.test("recorder: a source failure fails the pass and reaches every target's failure hook", async () => {
  const { calls, run } = recordingRunner();
  const recorder = await Recorder.open({
    hooks: new Map([[
      "gw",
      new Hooks({ onFailure: "f", hookTimeout: 1_000 }, run, memoryLog()),
    ]]),
    log: memoryLog(),
    now: () => 5,
  });
  recorder.record({
    at: 5,
    sourceError: deliveryFailed("/c.json does not exist"),
    targets: [],
  });
  await recorder.idle();
  assert.equal(recorder.state.lastPass?.ok, false);
  assert.equal(recorder.counters.failures.source, 1);
  assert.equal(JSON.parse(calls[0].options.stdin!).target, "gw");
});
