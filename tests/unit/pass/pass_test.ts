import assert from "node:assert/strict";
import { join } from "node:path";
import { resolveSettings } from "../../../src/config/settings.ts";
import { envValue } from "../../../src/lib/dotenv.ts";
import { ExitCode, usageError } from "../../../src/lib/errors.ts";
import {
  outcomeExitCode,
  type PassOptions,
  runPass,
} from "../../../src/pass/pass.ts";
import { restartOwed } from "../../../src/pass/restart.ts";
import { fingerprint } from "../../../src/lib/fingerprint.ts";
import {
  learnedOf,
  type OpenClawMemo,
  routeFor,
} from "../../../src/openclaw/route_for.ts";
import { memoryLog, ok, targetSettings } from "../../helpers/fakes.ts";
import { fakeCli, store } from "../../helpers/openclaw.ts";
import { credentialsJson, testLogin } from "../../helpers/fixture.ts";

/** Two targets in a temp dir: a compose .env (recreated) and a plain consumer; docker answers every call. */
async function world() {
  const dir = await Deno.makeTempDir({ prefix: "sot-pass-" });
  for (const d of ["claude", "gw", "tool", "state"]) {
    await Deno.mkdir(join(dir, d), { mode: 0o700 });
  }
  const credentials = join(dir, "claude", ".credentials.json");
  for (const d of ["gw", "tool"]) {
    await Deno.writeTextFile(join(dir, d, ".env"), "A=1\n");
  }
  const settings = resolveSettings({
    flags: {},
    env: {},
    targetFiles: [
      {
        path: join(dir, "targets.d", "gw.env"),
        text:
          `SYNC_OAUTH_TOKEN_ENV_FILE=${dir}/gw/.env\nSYNC_OAUTH_TOKEN_OPENCLAW=env-only\n`,
      },
      {
        path: join(dir, "targets.d", "tool.env"),
        text:
          `SYNC_OAUTH_TOKEN_ENV_FILE=${dir}/tool/.env\nSYNC_OAUTH_TOKEN_RESTART=none\nSYNC_OAUTH_TOKEN_OPENCLAW=env-only\n`,
      },
    ],
  });
  const calls: string[] = [];
  const deps = {
    run: (argv: string[]) => {
      calls.push(argv.join(" "));
      return Promise.resolve(ok("Docker Compose version v2.test"));
    },
    log: memoryLog(),
    openclaw: new Map(),
  };
  const options = (restart: boolean): PassOptions => ({
    credentials,
    stateDir: join(dir, "state"),
    restart,
    dryRun: false,
    refreshBefore: 0,
  });
  const targets = settings.targets.map((t) => t.settings);
  return { dir, credentials, deps, options, targets, calls };
}

Deno.test("pass: one pass delivers to every target; the recreate a change owes is remembered until a pass that may restart runs it", async () => {
  const w = await world();
  try {
    const login = testLogin();
    await Deno.writeTextFile(w.credentials, credentialsJson(login));
    const first = await runPass(w.targets, w.deps, w.options(false));
    assert.equal(first.login?.accessToken, login.accessToken);
    assert.deepEqual(
      first.targets.map((t) => [t.target, t.changed.length, t.restart]),
      [["gw", 1, "owed"], ["tool", 1, "none"]],
    );
    for (const d of ["gw", "tool"]) {
      const text = await Deno.readTextFile(join(w.dir, d, ".env"));
      assert.equal(envValue(text, "ANTHROPIC_OAUTH_TOKEN"), login.accessToken);
    }
    assert.ok(await restartOwed(join(w.dir, "state"), "gw"));
    assert.deepEqual(w.calls.filter((c) => c.includes(" up ")), []);

    const second = await runPass(w.targets, w.deps, w.options(true));
    assert.deepEqual(
      second.targets.map((t) => [t.target, t.changed.length, t.restart]),
      [["gw", 0, "done"], ["tool", 0, "none"]],
    );
    assert.deepEqual(w.calls.filter((c) => c.includes(" up ")), [
      "docker compose up -d --force-recreate --no-deps openclaw-gateway",
    ]);
    assert.ok(!await restartOwed(join(w.dir, "state"), "gw"));
    assert.equal(outcomeExitCode(second), ExitCode.ok);
  } finally {
    await Deno.remove(w.dir, { recursive: true });
  }
});

Deno.test("pass: a source that cannot be read is the outcome's error, with its exit code, and no target is touched", async () => {
  const w = await world();
  try {
    const out = await runPass(w.targets, w.deps, w.options(true));
    assert.equal(out.targets.length, 0);
    assert.equal(out.sourceError?.exitCode, ExitCode.sourceInvalid);
    assert.match(out.sourceError!.message, /does not exist: log in with/);
    assert.equal(outcomeExitCode(out), ExitCode.sourceInvalid);
    assert.equal(await Deno.readTextFile(join(w.dir, "gw", ".env")), "A=1\n");
  } finally {
    await Deno.remove(w.dir, { recursive: true });
  }
});

Deno.test("pass: the exit code is the worst target's (a usage error before a failed delivery), else 5 for an expired token", () => {
  const expired = testLogin(-1_000);
  const target = (failures: Error[]) => ({
    target: "t",
    changed: [],
    failures: failures as never[],
    restart: "none" as const,
  });
  assert.equal(
    outcomeExitCode({ at: Date.now(), login: expired, targets: [] }),
    ExitCode.tokenExpired,
  );
  assert.equal(
    outcomeExitCode({
      at: Date.now(),
      login: testLogin(),
      targets: [target([new Error("x")]), target([usageError("y")])],
    }),
    ExitCode.usage,
  );
});

Deno.test("pass --once: on the CLI route a login verified in use before is settled without asking anything; another login decides the route again (from the store) and is delivered", async () => {
  const dir = await store();
  const credentials = join(dir, ".credentials.json");
  const login = testLogin();
  await Deno.writeTextFile(credentials, credentialsJson(login));
  const target = targetSettings({
    "openclaw-state": dir,
    "openclaw-cli": "oc",
  });
  const cli = fakeCli({});
  try {
    const memo: OpenClawMemo = {};
    await routeFor(target, { run: cli.run, openclaw: memo, env: {}, uid: 0 });
    const learned = learnedOf(memo, 1)!;
    assert.equal(learned.state, dir, "the state directory is learned");
    const run = (verified: string) =>
      runPass([target], {
        run: cli.run,
        log: memoryLog(),
        openclaw: new Map([[target.name, {
          learned: { ...learned, verified },
        }]]),
      }, {
        credentials,
        stateDir: join(dir, "sot"),
        restart: true,
        dryRun: false,
        refreshBefore: 0,
        once: true,
      });
    const settled = await run(fingerprint(login.accessToken));
    assert.equal(cli.calls.length, 0, "nothing asked");
    assert.match(settled.targets[0].route!.why, /\(as found before\)$/);
    assert.deepEqual(settled.targets[0].openclaw, {
      ...learned,
      verified: fingerprint(login.accessToken),
    });

    const other = await run(fingerprint("sk-ant-oat01-another"));
    assert.match(other.targets[0].route!.why, /^a current OpenClaw: /);
    assert.ok(
      cli.calls.some((c) => c.argv.join(" ").includes("paste-token")),
      "delivered through the CLI",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
