import assert from "node:assert/strict";
import { Scheduler } from "../../../src/drivers/scheduler.ts";
import { deliveryFailed } from "../../../src/lib/errors.ts";
import type { Login } from "../../../src/login/credentials.ts";
import { TransientRefreshError } from "../../../src/login/token_endpoint.ts";
import type { PassOutcome, TargetOutcome } from "../../../src/pass/pass.ts";
import { memoryLog } from "../../helpers/fakes.ts";
import { testLogin } from "../../helpers/fixture.ts";

/** Waits ms. */
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pass outcome with one target whose restart is as given. */
function outcome(
  login: Login,
  restart: TargetOutcome["restart"],
  failed = false,
): PassOutcome {
  return {
    at: Date.now(),
    login,
    targets: [{
      target: "default",
      changed: [],
      failures: failed || restart === "failed" ? [deliveryFailed("x")] : [],
      restart,
    }],
  };
}

/** A scheduler over recorded jobs; `answer` decides each pass's outcome from whether it restarts. */
function scheduler(
  answer: (restart: boolean, n: number) => PassOutcome,
  refresh: (login: Login) => Promise<void> = () => Promise.resolve(),
  { settle = 50, refreshBefore = 0 } = {},
) {
  const passes: boolean[] = [];
  const refreshes: Login[] = [];
  const log = memoryLog();
  const s = new Scheduler({
    pass: async (restart) => {
      passes.push(restart);
      await wait(20);
      return answer(restart, passes.length);
    },
    refresh: async (login) => {
      refreshes.push(login);
      await refresh(login);
    },
  }, {
    settle,
    refreshBefore,
    lastRefreshAt: () => undefined,
    isDead: () => false,
    log,
  });
  return { s, passes, refreshes, log };
}

Deno.test("scheduler: changes during a pass cause exactly one more; a restart owed runs --settle after the last pass that owed it, in one pass", async () => {
  const login = testLogin();
  const { s, passes } = scheduler((restart) =>
    outcome(login, restart ? "done" : "owed")
  );
  s.changed();
  s.changed();
  s.changed();
  await wait(10);
  s.changed(); // during the first pass
  await wait(35);
  assert.deepEqual(passes, [false, false], "a burst costs two passes");
  await wait(150);
  assert.deepEqual(passes, [false, false, true], "then one restart pass");
  await wait(150);
  assert.deepEqual(passes, [false, false, true], "and nothing more");
  await s.stop();
});

Deno.test("scheduler: a failed restart is retried with backoff; a failed delivery asks for another pass", async () => {
  const login = testLogin();
  const { s, passes } = scheduler((restart, n) =>
    restart
      ? outcome(login, n < 4 ? "failed" : "done")
      : outcome(login, "owed", n === 1)
  );
  s.changed();
  await wait(1_500);
  // pass 1 fails its delivery (retry in 1 s) and owes a restart (settle 50 ms)
  assert.equal(passes[0], false);
  assert.equal(passes[1], true, "the restart after --settle");
  assert.ok(passes.length >= 3, `retried: ${passes}`);
  await s.stop();
  const after = passes.length;
  await wait(1_200);
  assert.equal(passes.length, after, "nothing runs after stop");
});

Deno.test("scheduler: refresh-ahead refreshes a login once its window opens and asks for a pass; a transient failure is retried later, any other stops it", async () => {
  const due = testLogin(30); // expires in 30 ms: due at once
  const ok = scheduler(() => outcome(due, "none"));
  ok.s.changed();
  await wait(300);
  assert.equal(ok.refreshes[0], due);
  assert.ok(ok.passes.length >= 2, "the new token asks for a pass");
  await ok.s.stop();

  const busy = scheduler(
    () => outcome(due, "none"),
    () =>
      Promise.reject(new TransientRefreshError("token endpoint answered 429")),
  );
  busy.s.changed();
  await wait(300);
  assert.equal(busy.refreshes.length, 1, "the retry waits its backoff");
  assert.ok(
    busy.log.lines.some((l) =>
      /^WARN {2}token endpoint answered 429; retrying in=\d/.test(l)
    ),
    busy.log.lines.join("\n"),
  );
  await busy.s.stop();

  const dead = scheduler(
    () => outcome(due, "none"),
    () => Promise.reject(new Error("invalid_grant")),
  );
  dead.s.changed();
  await wait(300);
  assert.equal(dead.refreshes.length, 1, "not retried");
  await dead.s.stop();
});
