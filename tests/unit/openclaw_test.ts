import assert from "node:assert/strict";
import { resolveConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import {
  classifyProbe,
  expiresIn,
  resolveCli,
} from "../../src/openclaw/cli.ts";
import {
  deliverToOpenClaw,
  type OpenClawMemo,
  routeFor,
} from "../../src/openclaw/deliver.ts";
import {
  anthropicView,
  gatewayUsesLogin,
  orderWithManualFirst,
  verify,
} from "../../src/openclaw/models_status.ts";
import { MANUAL_PROFILE, storeWithLogin } from "../../src/openclaw/profiles.ts";
import { chooseRoute } from "../../src/openclaw/route.ts";
import type { RunOptions, RunResult } from "../../src/process.ts";
import { authProfilesSink } from "../../src/sinks/auth_profiles.ts";
import { testLogin } from "../helpers/fixture.ts";

const ok = (stdout: string): RunResult => ({
  code: 0,
  stdout,
  stderr: "",
  timedOut: false,
});

/** `models status --json` as OpenClaw 2026.9.6 prints it, for the given profiles (first = effective). */
function statusJson(
  profiles: { id: string; type: string; expiresAt: number; token?: string }[],
): string {
  const view = profiles.map((p) => ({
    profileId: p.id,
    provider: "anthropic",
    type: p.type,
    status: "expiring",
    expiresAt: p.expiresAt,
    source: "store",
  }));
  return "Installed Gateway service state could not be verified.\n" +
    JSON.stringify({
      auth: {
        providers: [{
          provider: "anthropic",
          effective: { kind: "profiles" },
          profiles: {
            labels: profiles.map((p) =>
              p.token ? `${p.id}=token:sk-ant-o...${p.token.slice(-8)}` : p.id
            ),
          },
        }],
        oauth: {
          providers: [{
            provider: "anthropic",
            profiles: view,
            effectiveProfiles: view,
          }],
        },
      },
    });
}

Deno.test("openclaw route: auto takes the CLI for a current release, auth-profiles for an old one with --openclaw-state, the store on disk when the CLI cannot be asked, else the classic files", () => {
  const current = { kind: "current", version: "OpenClaw 2026.9.6" } as const;
  const old = { kind: "old", version: "OpenClaw 2026.1.30" } as const;
  const absent = { kind: "absent", why: "no CLI" } as const;
  assert.equal(chooseRoute("auto", current, {}).route, "cli");
  assert.equal(
    chooseRoute("auto", old, { openclawState: "/s" }).route,
    "auth-profiles",
  );
  assert.equal(chooseRoute("auto", old, {}).route, "env-only");
  assert.match(chooseRoute("auto", old, {}).why, /--openclaw-state/);
  assert.equal(
    chooseRoute("auto", absent, { oauthJson: "/o" }).route,
    "legacy",
  );
  assert.equal(chooseRoute("auto", absent, {}).route, "env-only");
  assert.equal(chooseRoute("legacy", current, {}).route, "legacy");
  assert.match(chooseRoute("cli", undefined, {}).why, /--openclaw cli/);
  const unreachable = { kind: "unreachable", why: "cannot ask" } as const;
  const toStore = chooseRoute(
    "auto",
    unreachable,
    { oauthJson: "/o" },
    "sqlite",
  );
  assert.equal(
    toStore.route,
    "cli",
    "never the classic files to a current store",
  );
  assert.match(toStore.why, /current store/);
  assert.equal(
    chooseRoute("auto", absent, {}, "auth-profiles").route,
    "auth-profiles",
  );
});

Deno.test("openclaw probe: paste-token help means current or old (by its auth-profiles.json wording); a missing program is absent; a stopped container is unreachable", () => {
  assert.deepEqual(
    classifyProbe(ok("Usage: openclaw models auth paste-token [options]"), "v"),
    { kind: "current", version: "v" },
  );
  assert.equal(
    classifyProbe(
      ok(
        "paste-token: Paste a token into auth-profiles.json and update config",
      ),
      "v",
    ).kind,
    "old",
  );
  const fail = (code: number, stderr: string): RunResult => ({
    code,
    stdout: "",
    stderr,
    timedOut: false,
  });
  assert.equal(
    classifyProbe(fail(126, 'exec: "openclaw": executable file not found'), "")
      .kind,
    "absent",
  );
  assert.equal(
    classifyProbe(fail(127, "sh: openclaw: not found"), "").kind,
    "absent",
  );
  assert.equal(
    classifyProbe(ok("Usage: openclaw models auth"), "").kind,
    "absent",
  );
  const stopped = classifyProbe(
    fail(1, 'service "openclaw-gateway" is not running'),
    "",
  );
  assert.equal(stopped.kind, "unreachable");
  assert.match(
    (stopped as { why: string }).why,
    /exit code 1: service "openclaw-gateway" is not running/,
  );
});

Deno.test("openclaw models status: the effective profile is verified by its token's last characters and expiry; an OAuth profile in front is named", () => {
  const login = testLogin();
  const manual = {
    id: MANUAL_PROFILE,
    type: "token",
    expiresAt: login.expiresAt + 20_000,
    token: login.accessToken,
  };
  const oauth = { id: "anthropic:default", type: "oauth", expiresAt: 1 };
  assert.deepEqual(verify(anthropicView(statusJson([manual, oauth])), login), {
    ok: true,
  });
  const behind = anthropicView(statusJson([oauth, manual]));
  assert.deepEqual(verify(behind, login), {
    ok: false,
    manualHeld: true,
    instead: "anthropic:default (oauth)",
  });
  assert.deepEqual(orderWithManualFirst(behind), [
    MANUAL_PROFILE,
    "anthropic:default",
  ]);
  const other = testLogin();
  const stale = verify(
    anthropicView(statusJson([{ ...manual, token: other.accessToken }])),
    login,
  );
  assert.equal(stale.ok, false);
  assert.match(
    (stale as { instead: string }).instead,
    new RegExp(`holding another token \\(…${other.accessToken.slice(-8)}\\)`),
  );
  const late = verify(
    anthropicView(
      statusJson([{ ...manual, expiresAt: login.expiresAt + 3600e3 }]),
    ),
    login,
  );
  assert.equal(late.ok, false, "an expiry far from ours is not our token");
  assert.throws(() => anthropicView('{"auth": 3}'), /unexpected shape/);
});

Deno.test("openclaw store: the login goes into anthropic:manual, first in the order when asked, keeping every other profile and key", () => {
  const login = testLogin();
  const doc = {
    version: 1,
    profiles: {
      "anthropic:default": { type: "oauth", provider: "anthropic" },
      "openai:x": { type: "api_key", provider: "openai" },
    },
    order: { anthropic: ["anthropic:default"], openai: ["openai:x"] },
    lastGood: { anthropic: "anthropic:default" },
  };
  const next = storeWithLogin(doc, login, { order: true })!;
  assert.deepEqual(next.profiles, {
    ...doc.profiles,
    [MANUAL_PROFILE]: {
      type: "token",
      provider: "anthropic",
      token: login.accessToken,
      expires: login.expiresAt,
    },
  });
  assert.deepEqual(next.order, {
    anthropic: [MANUAL_PROFILE, "anthropic:default"],
    openai: ["openai:x"],
  });
  assert.deepEqual(next.lastGood, doc.lastGood);
  assert.equal(storeWithLogin(next, login, { order: true }), undefined);
  const noOrder = storeWithLogin(doc, login, { order: false })!;
  assert.deepEqual(
    noOrder.order,
    doc.order,
    "the SQLite store's order is OpenClaw's",
  );
});

Deno.test("openclaw store: the token as paste-token stored it (expiry counted from its own start) is current, not rewritten", () => {
  const login = testLogin();
  const pasted = (expires: number) => ({
    version: 1,
    profiles: {
      [MANUAL_PROFILE]: {
        type: "token",
        provider: "anthropic",
        token: login.accessToken,
        expires,
      },
    },
  });
  const later = login.expiresAt + 20_000;
  assert.equal(
    storeWithLogin(pasted(later), login, { order: false }),
    undefined,
  );
  const off = storeWithLogin(pasted(login.expiresAt + 600_000), login, {
    order: false,
  });
  assert.equal(
    (off?.profiles as Record<string, { expires: number }>)[MANUAL_PROFILE]
      .expires,
    login.expiresAt,
    "an expiry far from ours is rewritten",
  );
  const other = { ...login, accessToken: testLogin().accessToken };
  assert.ok(
    storeWithLogin(pasted(login.expiresAt), other, { order: false }),
    "another token is written",
  );
});

Deno.test("openclaw auth-profiles.json sink: held token, rendered store, OpenClaw's lock", () => {
  const login = testLogin();
  const sink = authProfilesSink("/state");
  assert.equal(sink.path, "/state/agents/main/agent/auth-profiles.json");
  assert.deepEqual(sink.lock, {
    path: "/state/agents/main/agent/auth-profiles.json.lock",
    staleMs: 30_000,
  });
  const text = sink.render(undefined, login)!.text;
  assert.deepEqual(sink.held(text), {
    accessToken: login.accessToken,
    expiresAt: login.expiresAt,
  });
  assert.equal(sink.render(text, login), undefined);
  assert.deepEqual(JSON.parse(text).order, { anthropic: [MANUAL_PROFILE] });
});

Deno.test("openclaw gateway authStatus: in effect only when anthropic:manual and the provider carry our expiry", () => {
  const login = testLogin();
  const payload = (manualAt: number, providerAt: number) => ({
    providers: [{
      provider: "anthropic",
      expiry: { at: providerAt },
      profiles: [
        { profileId: "anthropic:default", type: "oauth", expiry: { at: 1 } },
        { profileId: MANUAL_PROFILE, type: "token", expiry: { at: manualAt } },
      ],
    }],
  });
  const at = login.expiresAt;
  assert.equal(gatewayUsesLogin(payload(at, at), login), true);
  assert.equal(gatewayUsesLogin(payload(at - 3600e3, at), login), false);
  assert.equal(gatewayUsesLogin(payload(at, 1), login), false);
  assert.equal(gatewayUsesLogin({ providers: "x" }, login), false);
});

Deno.test("openclaw: --expires-in is the whole seconds left, at least 1", () => {
  const login = testLogin();
  assert.equal(expiresIn({ ...login, expiresAt: 10_999 }, 0), "10s");
  assert.equal(expiresIn({ ...login, expiresAt: 5 }, 10), "1s");
});

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
  const config = resolveConfig({
    flags: { "openclaw-cli": "oc" },
    env: {},
  });
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
  const config = resolveConfig({ flags: { "openclaw-cli": "oc" }, env: {} });
  const where = await deliverToOpenClaw(
    config,
    { prefix: ["oc"], timeoutMs: 1000 },
    login,
    { run: cli.run, log, openclaw: {} },
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
  const config = resolveConfig({ flags: { "openclaw-cli": "oc" }, env: {} });
  await assert.rejects(
    deliverToOpenClaw(config, { prefix: ["oc"], timeoutMs: 1000 }, login, {
      run: cli.run,
      log,
      openclaw: {},
    }),
    /stored …[\w-]{4}#\w+ as anthropic:manual but uses anthropic:default \(oauth\)/,
  );
});

Deno.test("openclaw CLI prefix: --openclaw-cli split on blanks, else docker compose exec -T into the gateway's service with the project's -f and -p", async () => {
  const run = () => Promise.resolve(ok("Docker Compose version v2"));
  const given = resolveConfig({
    flags: { "openclaw-cli": "  /usr/bin/node  /opt/oc/openclaw.mjs " },
    env: {},
  });
  assert.deepEqual((await resolveCli(given, run)).prefix, [
    "/usr/bin/node",
    "/opt/oc/openclaw.mjs",
  ]);
  const compose = resolveConfig({
    flags: {
      "env-file": "/srv/oc/.env",
      "compose-file": "/srv/oc/compose.yml",
      "compose-project": "oc",
      "service": "gw",
    },
    env: {},
  });
  const cli = await resolveCli(compose, run);
  assert.deepEqual(cli.prefix, [
    "docker",
    "compose",
    "-f",
    "/srv/oc/compose.yml",
    "-p",
    "oc",
    "exec",
    "-T",
    "gw",
    "openclaw",
  ]);
  assert.equal(cli.cwd, "/srv/oc");
});
