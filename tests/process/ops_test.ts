/** Operations, as a person or a monitor meets them: /metrics, /healthz, hooks, doctor. */
import assert from "node:assert/strict";
import { join } from "node:path";
import parsePrometheus from "parse-prometheus-text-format";
import { fingerprint } from "../../src/lib/fingerprint.ts";
import {
  assertNoToken,
  Running,
  testLogin,
  waitFor,
  Workspace,
} from "../helpers/fixture.ts";
import { TokenServer } from "../helpers/token_server.ts";
import { permissionFlags } from "../install/flags.ts";

/** Starts a watcher with metrics on an ephemeral loopback port; returns it and its base URL. */
async function watchWithMetrics(ws: Workspace, ...more: string[]) {
  const agent = Running.start(
    ws,
    ws.flags("--metrics-listen", "127.0.0.1:0", ...more),
  );
  const killer = setTimeout(() => agent.child.kill("SIGKILL"), 60_000);
  let base = "";
  await waitFor("the metrics server", () => {
    base = /serving \/metrics and \/healthz url=(\S+)/.exec(agent.stderr)
      ?.[1] ?? "";
    return base !== "";
  });
  const stop = async () => {
    clearTimeout(killer);
    return (await agent.stop()).code;
  };
  return { agent, base, stop };
}

/** One scrape of /metrics, parsed as Prometheus text: sample values by `name{labels}`. */
async function scrape(base: string): Promise<Map<string, number>> {
  const response = await fetch(`${base}/metrics`);
  assert.equal(response.status, 200);
  assert.match(
    response.headers.get("content-type") ?? "",
    /^text\/plain; version=0\.0\.4/,
  );
  const families = parsePrometheus(await response.text()) as {
    name: string;
    metrics: { value: string; labels?: Record<string, string> }[];
  }[];
  const values = new Map<string, number>();
  for (const f of families) {
    for (const m of f.metrics) {
      const labels = Object.entries(m.labels ?? {}).map(([k, v]) =>
        `${k}="${v}"`
      ).join(",");
      values.set(
        `${f.name.replace("sync_oauth_token_", "")}${
          labels ? `{${labels}}` : ""
        }`,
        Number(m.value),
      );
    }
  }
  return values;
}

/** GET /healthz: status and body. */
async function healthz(
  base: string,
): Promise<{ status: number; body: string }> {
  const r = await fetch(`${base}/healthz`);
  return { status: r.status, body: await r.text() };
}

/** The recreates of the one target of a configuration without target files. */
const RECREATES = 'gateway_recreates_total{target="default"}';

Deno.test("metrics: a scrape of /metrics in watch mode parses as Prometheus text and follows passes, recreates and the token", async () => {
  const ws = await Workspace.create();
  const login = testLogin();
  await ws.writeLogin(login);
  await Deno.writeTextFile(ws.envFile, "A=1\n");
  const { base, stop, agent } = await watchWithMetrics(ws, "--settle", "0ms");
  try {
    await waitFor(
      "the first recreate",
      async () => (await scrape(base)).get(RECREATES) === 1,
    );
    let m = await scrape(base);
    // the first pass owes the recreate; the pass --settle later runs it
    assert.equal(m.get("passes_total"), 2);
    assert.equal(m.get("expiry_timestamp_seconds"), login.expiresAt / 1000);
    assert.ok(Math.abs(m.get("seconds_left")! - 8 * 3600) < 60);
    assert.equal(m.get('mode{mode="watch"}'), 1);
    assert.equal(m.get('failures_total{kind="delivery"}'), 0);
    assert.equal(m.get("last_pass_success"), 1);
    assert.equal(m.get('target_last_pass_success{target="default"}'), 1);
    assert.ok(m.has("last_sync_timestamp_seconds"));
    assert.ok(!m.has("last_refresh_timestamp_seconds"), "never refreshed");

    const next = testLogin(2 * 3600e3);
    await ws.writeLogin(next);
    await waitFor(
      "the second recreate",
      async () => (await scrape(base)).get(RECREATES) === 2,
    );
    m = await scrape(base);
    assert.ok(m.get("passes_total")! >= 2, "one pass per rename event burst");
    assert.equal(m.get("expiry_timestamp_seconds"), next.expiresAt / 1000);
    const health = await healthz(base);
    assert.equal(health.status, 200);
    assert.match(health.body, /^ok: last pass .* expires in 1h 59m/);
    assert.equal((await fetch(`${base}/other`)).status, 404);
    assertNoToken(agent.stderr, login.accessToken, next.accessToken);
  } finally {
    assert.equal(await stop(), 0);
    await ws.cleanup();
  }
});

Deno.test("healthz: 200 while the token is valid, 503 with the reason once it expires", async () => {
  const ws = await Workspace.create();
  await ws.writeLogin(testLogin());
  await Deno.writeTextFile(ws.envFile, "A=1\n");
  const server = new TokenServer();
  const { base, stop } = await watchWithMetrics(
    ws,
    "--restart",
    "none",
    "--refresh-before",
    "0s",
    "--token-url",
    server.url(),
  );
  /** Polls /healthz until it answers `status`; returns the body. */
  const until = async (status: number) => {
    let body = "";
    await waitFor(`/healthz ${status}`, async () => {
      const r = await fetch(`${base}/healthz`);
      body = await r.text();
      await new Promise((r) => setTimeout(r, 50));
      return r.status === status;
    });
    return body;
  };
  try {
    assert.match(await until(200), /^ok: last pass .* expires in 7h 59m$/m);
    const short = testLogin(1_500);
    await ws.writeLogin(short);
    const reason = await until(503);
    assert.match(
      reason,
      new RegExp(
        `^token ${fingerprint(short.accessToken)} expired \\d+s ago$`,
        "m",
      ),
    );
    assert.ok((await scrape(base)).get("seconds_left")! <= 0);
  } finally {
    assert.equal(await stop(), 0);
    await server.close();
    await ws.cleanup();
  }
});

/** A hook program that appends its stdin to `<root>/hook-<name>.jsonl`, and one that hangs; `flags` are the shipped ones with both allowed to run (SOT_ALLOW_RUN, as the README says). */
async function installHooks(ws: Workspace) {
  const hook = join(ws.bin, "hook");
  await Deno.writeTextFile(
    hook,
    `#!/bin/sh\ncat >> ${ws.root}/hook-$1.jsonl\n`,
  );
  const hang = join(ws.bin, "hang");
  await Deno.writeTextFile(
    hang,
    `#!/bin/sh\necho $$ > ${ws.root}/hang.pid\nexec sleep 30\n`,
  );
  for (const p of [hook, hang]) await Deno.chmod(p, 0o755);
  const events = async (name: string) =>
    (await Deno.readTextFile(join(ws.root, `hook-${name}.jsonl`)).catch(() =>
      ""
    )).split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const flags = await permissionFlags("", `${hook},${hang}`);
  return { hook, hang, events, flags };
}

Deno.test({
  name:
    "hooks: --on-change gets the delivered change as JSON, --on-failure the failure; never a token",
  fn: async () => {
    const ws = await Workspace.create();
    const { hook, events, flags: allowed } = await installHooks(ws);
    const login = testLogin();
    await ws.writeLogin(login);
    await Deno.writeTextFile(ws.envFile, "A=1\n");
    const flags = ws.flags(
      "--once",
      "--restart",
      "none",
      "--on-change",
      `${hook} change`,
      "--on-failure",
      `'${hook}' failure`,
    );
    assert.equal((await ws.run(flags, allowed)).code, 0);
    assert.equal(
      (await ws.run(flags, allowed)).code,
      0,
      "nothing changed this time",
    );
    const changes = await events("change");
    assert.equal(changes.length, 1);
    assert.equal(changes[0].event, "change");
    assert.equal(changes[0].kind, "delivered");
    assert.equal(changes[0].token, fingerprint(login.accessToken));
    assert.equal(changes[0].refreshToken, fingerprint(login.refreshToken));
    assert.deepEqual(changes[0].sinks, [{
      sink: "env file",
      path: ws.envFile,
    }]);
    assert.equal(changes[0].expiresAt, new Date(login.expiresAt).toISOString());
    assert.ok(Math.abs(changes[0].secondsLeft - 8 * 3600) < 60);

    await ws.writeCredentialsText("{}");
    assert.equal((await ws.run(flags, allowed)).code, 4);
    const failures = await events("failure");
    assert.equal(failures.length, 1);
    assert.equal(failures[0].kind, "source");
    assert.match(failures[0].error, /claudeAiOauth/);
    const all = await Deno.readTextFile(join(ws.root, "hook-change.jsonl")) +
      await Deno.readTextFile(join(ws.root, "hook-failure.jsonl"));
    assertNoToken(all, login.accessToken, login.refreshToken);
    await ws.cleanup();
  },
});

Deno.test({
  name:
    "hooks: a hook that hangs is killed after --hook-timeout and the tool still exits 0",
  fn: async () => {
    const ws = await Workspace.create();
    const { hang, flags: allowed } = await installHooks(ws);
    await ws.writeLogin(testLogin());
    const out = await ws.run(
      ws.flags(
        "--once",
        "--restart",
        "none",
        "--create",
        "--on-change",
        hang,
        "--hook-timeout",
        "500ms",
      ),
      allowed,
    );
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /hook killed after 500ms hook=--on-change/);
    const pid = (await Deno.readTextFile(join(ws.root, "hang.pid"))).trim();
    assert.equal(
      await Deno.stat(`/proc/${pid}`).then(() => "alive", () => "gone"),
      "gone",
      "the hung hook was killed",
    );
    await ws.cleanup();
  },
});

/** A fake docker that knows the engine, compose v2, the project's services and a running gateway. */
async function doctorDocker(ws: Workspace): Promise<void> {
  const script = `#!/bin/sh
case "$*" in
  "version --format"*) echo 27.5.1;;
  "compose version") echo "Docker Compose version v2.32.4";;
  "compose config --services") printf 'openclaw-gateway\\nopenclaw-cli\\n';;
  "compose ps -q openclaw-gateway") echo 0123456789abcdef0123;;
  "compose exec"*) echo 'exec: "openclaw": executable file not found in $PATH' >&2; exit 126;;
  *) exit 1;;
esac
`;
  await Deno.writeTextFile(join(ws.bin, "docker"), script);
}

Deno.test("doctor: a sound setup passes every check (exit 0); a wrong service and a missing directory are FAIL lines with a fix (exit 1)", async () => {
  const ws = await Workspace.create();
  await doctorDocker(ws);
  await ws.writeLogin(testLogin());
  await Deno.writeTextFile(ws.envFile, "A=1\n");
  const endpoints = [
    "--token-url",
    "http://127.0.0.1:9/v1/oauth/token",
    "--token-url-fallback",
    "http://localhost:9/v1/oauth/token",
  ];
  try {
    const good = await ws.run(ws.flags("doctor", ...endpoints));
    assert.equal(good.code, 0, good.stdout + good.stderr);
    const lines = good.stdout.trim().split("\n");
    assert.doesNotMatch(good.stdout, /undefined|NaN/);
    for (const l of lines) assert.match(l, /^(OK {2}|WARN) {2}/, l);
    for (
      const expected of [
        /^OK {4}credentials .*a valid login/,
        /^OK {4}token expiry {4}token expires in 7h 59m/,
        /^OK {4}directory .*claude is writable \(credentials: refresh write-back and locks\)$/,
        /^OK {4}directory .*state\/sync-oauth-token will be created at the first pass \(state file and restarts owed\)$/,
        /^(OK {2}|WARN) {2}inotify .*watching works; (\d+ instances in use by this user|instances in use by this user unknown); (max_user_instances \d+, max_user_watches \d+, max_queued_events \d+|inotify limits unknown \(Deno reads \/proc\/sys only with --allow-all; `sysctl fs.inotify` shows them\))$/,
        /^OK {4}docker .*engine 27\.5\.1 reachable/,
        /^OK {4}compose .*v2: Docker Compose version v2\.32\.4/,
        /^OK {4}compose project .*service openclaw-gateway found/,
        /^OK {4}gateway .*container 0123456789ab running/,
        /^OK {4}token endpoint .*127\.0\.0\.1 resolves/,
        /^OK {4}token fallback .*localhost resolves to/,
        /^OK {4}last pass .*none recorded/,
        /^OK {4}openclaw .*delivery route env-only: the gateway has no OpenClaw CLI with `models auth paste-token`/,
      ]
    ) {
      assert.ok(
        lines.some((l) => expected.test(l)),
        `${expected}\n${good.stdout}`,
      );
    }

    const wrong = await ws.run(
      ws.flags("doctor", ...endpoints, "--service", "gw"),
    );
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stdout,
      /^FAIL {2}compose project no service gw in the project at .* \(services: openclaw-gateway, openclaw-cli\); fix: set --service/m,
    );

    const missing = join(ws.root, "nowhere", ".env");
    const json = await ws.run([
      ...ws.flags("doctor", ...endpoints, "--json"),
      "--env-file",
      missing,
      "--restart",
      "none",
    ]);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout);
    assert.equal(report.ok, false);
    const dir = report.findings.find((f: { detail: string }) =>
      f.detail.startsWith(join(ws.root, "nowhere"))
    );
    assert.equal(dir.verdict, "fail");
    assert.match(dir.fix, /ReadWritePaths/);
  } finally {
    await ws.cleanup();
  }
});
