import assert from "node:assert/strict";
import { createLogger } from "../../../src/lib/log.ts";
import type { RunOptions, RunResult } from "../../../src/lib/process.ts";
import {
  deliverToOpenClaw,
  type OpenClawMemo,
  routeFor,
} from "../../../src/openclaw/deliver.ts";
import { MANUAL_PROFILE } from "../../../src/sinks/auth_store.ts";
import { ok, targetSettings } from "../../helpers/fakes.ts";
import { testLogin } from "../../helpers/fixture.ts";
import { statusJson } from "./models_status_test.ts";

/** A scripted OpenClaw CLI behind a Runner: answers by subcommand, records argv and stdin. */
function fakeCli(answers: Record<string, () => RunResult>) {
  const calls: { argv: string[]; stdin?: string }[] = [];
  const run = (argv: string[], options: RunOptions) => {
    calls.push({ argv, stdin: options.stdin });
    const key = Object.keys(answers).find((k) => argv.join(" ").includes(k));
    return Promise.resolve(key ? answers[key]() : ok(""));
  };
  return { calls, run };
}

Deno.test("openclaw delivery: the route is asked once per configuration; a cached classic route carries no CLI", async () => {
  const cli = fakeCli({
    "paste-token --help": () => ({
      code: 126,
      stdout: "",
      stderr: "executable file not found",
      timedOut: false,
    }),
  });
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

Deno.test("openclaw delivery: paste-token gets the token on stdin only, an OAuth profile in front gets the order set, and the result is verified", async () => {
  const login = testLogin();
  let pasted = false;
  let ordered = false;
  const manual = {
    id: MANUAL_PROFILE,
    type: "token",
    expiresAt: login.expiresAt,
    token: login.accessToken,
  };
  const oauth = { id: "anthropic:default", type: "oauth", expiresAt: 1 };
  const cli = fakeCli({
    "models status": () =>
      ok(statusJson(
        !pasted ? [oauth] : ordered ? [manual, oauth] : [oauth, manual],
      )),
    "paste-token --provider": () => {
      pasted = true;
      return ok("Auth profile: anthropic:manual (anthropic/token)");
    },
    "order set": () => {
      ordered = true;
      return ok("");
    },
  });
  const lines: string[] = [];
  const log = createLogger({
    format: "text",
    level: "info",
    write: (l) => lines.push(l),
  });
  const config = targetSettings({ "openclaw-cli": "oc" });
  const where = await deliverToOpenClaw(
    config,
    { prefix: ["oc"], timeoutMs: 1000 },
    login,
    { run: cli.run, log, openclaw: {} },
    false,
  );
  assert.equal(where, "oc");
  const argvs = cli.calls.map((c) => c.argv.join(" "));
  assert.deepEqual(argvs.map((a) => a.replace(/\d+s$/, "Ns")), [
    "oc models status --json",
    "oc models auth paste-token --provider anthropic --expires-in Ns",
    "oc models status --json",
    "oc models auth order set --provider anthropic anthropic:manual anthropic:default",
    "oc models status --json",
  ]);
  assert.equal(cli.calls[1].stdin, login.accessToken);
  assert.ok(argvs.every((a) => !a.includes(login.accessToken)));
  assert.ok(lines.some((l) => /updated, verified in use/.test(l)));
  assert.ok(
    lines.some((l) => /also holds OAuth profile anthropic:default/.test(l)),
  );
  assert.ok(lines.every((l) => !l.includes(login.accessToken)));
});

Deno.test("openclaw delivery: a token OpenClaw stores but does not use is a failure naming what it uses", async () => {
  const login = testLogin();
  const cli = fakeCli({
    "models status": () =>
      ok(
        statusJson([{ id: "anthropic:default", type: "oauth", expiresAt: 1 }]),
      ),
  });
  const log = createLogger({ format: "text", level: "error", write: () => {} });
  const config = targetSettings({ "openclaw-cli": "oc" });
  await assert.rejects(
    deliverToOpenClaw(config, { prefix: ["oc"], timeoutMs: 1000 }, login, {
      run: cli.run,
      log,
      openclaw: {},
    }, false),
    /stored …[\w-]{4}#\w+ as anthropic:manual but uses anthropic:default \(oauth\)/,
  );
});
