import assert from "node:assert/strict";
import {
  learnedOf,
  learnedRoute,
  type OpenClawMemo,
  routeFor,
} from "../../../src/openclaw/route_for.ts";
import { ok, targetSettings } from "../../helpers/fakes.ts";
import { fakeCli, store } from "../../helpers/openclaw.ts";

/** A CLI prefix whose program does not exist in the container (exit 126). */
function noCli() {
  return fakeCli({
    "paste-token --help": () => ({
      code: 126,
      stdout: "",
      stderr: "executable file not found",
      timedOut: false,
    }),
  });
}

Deno.test("openclaw route: asked once per configuration; a cached classic route carries no CLI", async () => {
  const cli = noCli();
  const config = targetSettings({ "openclaw-cli": "oc" });
  const memo: OpenClawMemo = {};
  const first = await routeFor(config, { run: cli.run, openclaw: memo });
  const second = await routeFor(config, { run: cli.run, openclaw: memo });
  assert.equal(first.route, "env-only");
  assert.equal(first.fresh, true);
  assert.equal(second.fresh, false);
  assert.equal(second.cli, undefined);
  assert.equal(cli.calls.length, 1, "one probe");
});

Deno.test("openclaw route: a current store found on disk decides the route without asking any CLI", async () => {
  const dir = await store({
    type: "token",
    provider: "anthropic",
    token: "t",
    expires: 1,
  });
  const calls: string[] = [];
  const run = (argv: string[]) => {
    calls.push(argv.join(" "));
    return Promise.resolve(ok(""));
  };
  try {
    const route = await routeFor(
      targetSettings({ "openclaw-state": dir, "openclaw-cli": "oc" }),
      { run, openclaw: {}, env: {}, uid: 0 },
    );
    assert.equal(route.route, "cli");
    assert.match(
      route.why,
      /^a current OpenClaw: .*state\/openclaw\.sqlite \(--openclaw-state\)$/,
    );
    assert.deepEqual(calls, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openclaw route: what an earlier run found by asking the CLI is not asked again for the same settings and container; other settings or another container are asked", async () => {
  const cli = noCli();
  const config = targetSettings({ "openclaw-cli": "oc" });
  const deps = { run: cli.run, env: {}, uid: 0 };
  const first: OpenClawMemo = {};
  await routeFor(config, { ...deps, openclaw: first });
  assert.equal(cli.calls.length, 1);
  const learned = learnedOf(first, 1)!;
  const again = await routeFor(config, { ...deps, openclaw: { learned } });
  assert.equal(again.route, "env-only");
  assert.match(again.why, /no OpenClaw CLI.*\(as found before\)$/);
  assert.equal(cli.calls.length, 1, "no CLI start-up");
  await routeFor(config, {
    ...deps,
    openclaw: { learned: { ...learned, container: "another" } },
  });
  assert.equal(cli.calls.length, 2, "asked for a different container");
  await routeFor(targetSettings({ "openclaw-cli": "oc2" }), {
    ...deps,
    openclaw: { learned },
  });
  assert.equal(cli.calls.length, 3, "asked for other settings");
});

Deno.test("learnedRoute: what an earlier run learned is taken as it is (the state directory it found in the target's settings), for the same settings only", async () => {
  const cli = noCli();
  const config = targetSettings({ "openclaw-cli": "oc" });
  const memo: OpenClawMemo = {};
  await routeFor(config, { run: cli.run, openclaw: memo, env: {}, uid: 0 });
  const learned = { ...learnedOf(memo, 1)!, state: "/srv/oc/state" };
  const known = learnedRoute(config, { learned });
  assert.equal(known?.route, "env-only");
  assert.match(known!.why, /\(as found before\)$/);
  assert.equal(known?.settings.openclawState, "/srv/oc/state");
  assert.equal(cli.calls.length, 1, "nothing asked beyond the first run");
  assert.equal(learnedRoute(config, {}), undefined, "nothing learned");
  assert.equal(
    learnedRoute(targetSettings({ "openclaw-cli": "oc2" }), { learned }),
    undefined,
    "other settings",
  );
});
