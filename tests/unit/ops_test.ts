import assert from "node:assert/strict";
import parsePrometheus from "parse-prometheus-text-format";
import { resolveConfig } from "../../src/config.ts";
import {
  type Check,
  type DoctorContext,
  doctorExitCode,
  formatFindings,
  runDoctor,
} from "../../src/doctor.ts";
import { fingerprint } from "../../src/fingerprint.ts";
import { type HookEvent, Hooks, splitCommand } from "../../src/hooks.ts";
import { createLogger, formatLine, type Logger } from "../../src/log.ts";
import {
  handleMetrics,
  parseListen,
  renderMetrics,
} from "../../src/metrics.ts";
import type { RunOptions, RunResult } from "../../src/process.ts";
import {
  type AgentState,
  describeState,
  health,
  mergeState,
  Tracker,
} from "../../src/state.ts";
import { testLogin } from "../helpers/fixture.ts";

/** A logger that keeps its lines. */
function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(
    createLogger({
      format: "text",
      level: "debug",
      write: (l) => lines.push(l),
    }),
    { lines },
  );
}

/** A runner that records argv and stdin and answers with `result` (optionally after a wait). */
function recordingRunner(result: Partial<RunResult> = {}, waitMs = 0) {
  const calls: { argv: string[]; options: RunOptions }[] = [];
  const run = async (argv: string[], options: RunOptions) => {
    calls.push({ argv, options });
    if (waitMs) await new Promise((r) => setTimeout(r, waitMs));
    return { code: 0, stdout: "", stderr: "", timedOut: false, ...result };
  };
  return { calls, run };
}

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
    /^WARN {2}hook killed after 0.3 s hook=--on-change/,
  );
  assert.match(log.lines[1], /hook exited 2: no route/);
});

Deno.test("tracker: passes, failures and refreshes update the state, the counters and the hooks", async () => {
  const login = testLogin();
  const { calls, run } = recordingRunner();
  let now = 1_000_000;
  const tracker = await Tracker.open({
    hooks: new Hooks(
      { onChange: "c", onFailure: "f", hookTimeout: 1_000 },
      run,
      memoryLog(),
    ),
    log: memoryLog(),
    now: () => now,
  });
  tracker.passed(login, [{ name: "env file", path: "/srv/.env" }]);
  now += 1_000;
  tracker.failed("restart", new Error(`boom ${login.accessToken}`), login);
  tracker.recreated();
  tracker.refreshed(login);
  await tracker.idle();
  assert.deepEqual(tracker.counters.passes, 1);
  assert.equal(tracker.counters.failures.restart, 1);
  assert.equal(tracker.counters.recreates, 1);
  assert.deepEqual(tracker.state.lastPass, { at: now, ok: true });
  assert.equal(tracker.state.lastSyncAt, 1_000_000);
  assert.equal(tracker.state.lastRefreshAt, now);
  const events = calls.map((c) => JSON.parse(c.options.stdin!));
  assert.equal(events.length, 2);
  assert.deepEqual(events[0].sinks, [{ sink: "env file", path: "/srv/.env" }]);
  assert.equal(events[0].token, fingerprint(login.accessToken));
  assert.equal(
    events[0].secondsLeft,
    Math.floor((login.expiresAt - 1e6) / 1e3),
  );
  assert.equal(events[1].event, "failure");
  assert.equal(events[1].kind, "restart");
  assert.match(events[1].error, /^boom …/);
  for (const c of calls) {
    assert.ok(!c.options.stdin!.includes(login.accessToken));
  }

  tracker.failed("login_ended", new Error("invalid_grant"), login);
  assert.ok(tracker.isDead(login));
  assert.ok(!tracker.isDead(testLogin()), "another login is alive");
});

Deno.test("state: merging keeps another process's newer login-ended record and later times", () => {
  const disk: AgentState = {
    lastRefreshAt: 50,
    loginEnded: { at: 40, refreshToken: "…dead#000000", error: "x" },
    lastPass: { at: 40, ok: false, kind: "login_ended" },
  };
  const ours: AgentState = {
    mode: "watch",
    lastSyncAt: 30,
    lastRefreshAt: 20,
    lastPass: { at: 30, ok: true },
  };
  assert.deepEqual(mergeState(disk, ours), {
    mode: "watch",
    lastSyncAt: 30,
    lastRefreshAt: 50,
    loginEnded: disk.loginEnded,
    lastPass: disk.lastPass,
  });
  assert.equal(mergeState(undefined, ours), ours);
});

Deno.test("status text: 'login ended' only while the credentials hold the refused refresh token", () => {
  const dead = testLogin();
  const state: AgentState = {
    mode: "timer",
    lastPass: { at: 0, ok: false, kind: "login_ended", error: "invalid_grant" },
    loginEnded: {
      at: 0,
      refreshToken: fingerprint(dead.refreshToken),
      error: "invalid_grant",
    },
  };
  const said = describeState(state, dead.refreshToken, 120_000);
  assert.match(said.loginEnded!, /log in again with `claude`/);
  assert.match(
    said.lastPass!,
    /^FAILED 2m ago \(login_ended\): invalid_grant \(timer\)$/,
  );
  const fresh = describeState(state, testLogin().refreshToken, 120_000);
  assert.equal(fresh.loginEnded, undefined);
});

/** A state with a successful pass and a token expiring at `expiresAt`. */
function healthyState(expiresAt: number): AgentState {
  return {
    mode: "watch",
    token: {
      fingerprint: "…abcd#123456",
      refreshToken: "…efgh#654321",
      expiresAt,
    },
    lastPass: { at: 0, ok: true },
    lastSyncAt: 0,
  };
}

Deno.test("healthz: 503 before a pass, 200 after a success, 503 with the reason after a failure, a dead login, or expiry", async () => {
  assert.deepEqual(health({}, 0), { ok: false, reason: "no pass yet" });
  const ok = healthyState(3_600_000);
  assert.equal(health(ok, 1_000).ok, true);
  assert.match(
    health(ok, 3_600_000).reason,
    /^token …abcd#123456 expired 0s ago$/,
  );
  assert.equal(health(ok, 3_600_000).ok, false);
  const failed = {
    ...ok,
    lastPass: {
      at: 0,
      ok: false,
      kind: "delivery" as const,
      error: "disk full",
    },
  };
  assert.match(
    health(failed, 60_000).reason,
    /last pass failed 1m ago \(delivery\): disk full/,
  );
  const dead = {
    ...ok,
    loginEnded: { at: 0, refreshToken: "…efgh#654321", error: "invalid_grant" },
  };
  assert.match(health(dead, 1_000).reason, /login ended .*log in again/);
  const source = {
    state: ok,
    counters: {
      passes: 1,
      recreates: 0,
      failures: {
        source: 0,
        login_ended: 0,
        refresh: 0,
        delivery: 0,
        restart: 0,
      },
    },
    now: () => 1_000,
  };
  const get = (path: string) =>
    handleMetrics(new Request(`http://x${path}`), source);
  assert.equal(get("/healthz").status, 200);
  assert.equal(get("/nope").status, 404);
  assert.equal(
    handleMetrics(new Request("http://x/metrics", { method: "POST" }), source)
      .status,
    405,
  );
  const expired = get("/healthz");
  source.now = () => 3_700_000;
  const after = get("/healthz");
  assert.equal(expired.status, 200);
  assert.equal(after.status, 503);
  assert.match(await after.text(), /expired 1m ago/);
});

Deno.test("metrics: the text parses as Prometheus exposition format; every family has HELP and TYPE; unknown times are left out", () => {
  const text = renderMetrics(
    { ...healthyState(7_200_000), lastRefreshAt: undefined },
    {
      passes: 3,
      recreates: 1,
      failures: {
        source: 0,
        login_ended: 0,
        refresh: 2,
        delivery: 0,
        restart: 1,
      },
    },
    3_600_000,
  );
  const families = parsePrometheus(text) as {
    name: string;
    type: string;
    help: string;
    metrics: { value: string; labels?: Record<string, string> }[];
  }[];
  const byName = new Map(families.map((f) => [f.name, f]));
  const value = (name: string, labels?: Record<string, string>) =>
    Number(
      byName.get(`sync_oauth_token_${name}`)!.metrics.find((m) =>
        !labels || JSON.stringify(m.labels) === JSON.stringify(labels)
      )!.value,
    );
  assert.equal(value("expiry_timestamp_seconds"), 7_200);
  assert.equal(value("seconds_left"), 3_600);
  assert.equal(value("passes_total"), 3);
  assert.equal(value("failures_total", { kind: "refresh" }), 2);
  assert.equal(value("failures_total", { kind: "restart" }), 1);
  assert.equal(value("gateway_recreates_total"), 1);
  assert.equal(value("mode", { mode: "watch" }), 1);
  assert.equal(value("mode", { mode: "poll" }), 0);
  assert.equal(value("last_pass_success"), 1);
  assert.equal(value("login_ended"), 0);
  assert.equal(
    byName.get("sync_oauth_token_last_refresh_timestamp_seconds")!.metrics
      .length,
    0,
  );
  for (const f of families) {
    assert.match(f.name, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    assert.ok(f.help.length > 0, f.name);
    assert.ok(["GAUGE", "COUNTER"].includes(f.type), `${f.name}: ${f.type}`);
    if (f.type === "COUNTER") assert.match(f.name, /_total$/);
    for (const m of f.metrics) {
      assert.ok(Number.isFinite(Number(m.value)), `${f.name} ${m.value}`);
      assert.equal("timestamp_ms" in m, false, `${f.name}: a stray field`);
    }
  }
  const samples = text.split("\n").filter((l) => l && !l.startsWith("#"));
  assert.equal(
    families.reduce((n, f) => n + f.metrics.length, 0),
    samples.length,
    "every sample line was understood",
  );
  assert.match(text, /\n$/, "ends with a newline");
});

Deno.test("metrics: --metrics-listen takes PORT, HOST:PORT or [IPv6]:PORT, loopback by default", () => {
  assert.deepEqual(parseListen("9464"), { hostname: "127.0.0.1", port: 9464 });
  assert.deepEqual(parseListen("0.0.0.0:9464"), {
    hostname: "0.0.0.0",
    port: 9464,
  });
  assert.deepEqual(parseListen("[::1]:9464"), { hostname: "::1", port: 9464 });
  assert.deepEqual(parseListen("localhost:1"), {
    hostname: "localhost",
    port: 1,
  });
  for (const bad of ["", "70000", "host:", "::1:9464", "a b:1"]) {
    assert.equal(parseListen(bad), undefined, bad);
  }
  assert.throws(
    () => resolveConfig({ flags: { "metrics-listen": "x:y" }, env: {} }),
    /--metrics-listen: expected PORT/,
  );
});

Deno.test("log: a text line says what happened, where, and the time left; JSON keeps stable names; journald gets priorities", () => {
  const time = new Date(1_000_000);
  const fields = {
    path: "/srv/openclaw/.env",
    sink: "env file",
    from: "…aaaa#111111",
    to: "…bbbb#222222",
    expiresAt: 1_000_000 + 7 * 3600e3 + 12 * 60e3,
  };
  assert.equal(
    formatLine("text", time, "info", "updated", fields),
    "INFO  updated /srv/openclaw/.env (env file): …aaaa#111111 → …bbbb#222222, expires in 7h 12m",
  );
  assert.equal(
    formatLine(
      "text",
      time,
      "warn",
      "pass failed; retrying",
      { inMs: 2000 },
      true,
    ),
    "<4>pass failed; retrying inMs=2000",
  );
  assert.deepEqual(
    JSON.parse(formatLine("json", time, "info", "updated", fields)),
    {
      time: time.toISOString(),
      level: "info",
      msg: "updated",
      path: "/srv/openclaw/.env",
      sink: "env file",
      from: "…aaaa#111111",
      to: "…bbbb#222222",
      expiresAt: new Date(fields.expiresAt).toISOString(),
      secondsLeft: 7 * 3600 + 12 * 60,
    },
  );
});

/** A doctor context on a fake world; `run` answers docker. */
function doctorWorld(run: DoctorContext["run"]): DoctorContext {
  const config = resolveConfig({
    flags: {
      "env-file": "/nonexistent-sot/.env",
      credentials: "/nonexistent-sot/c.json",
    },
    env: {},
  });
  return {
    config,
    run,
    now: 0,
    resolve: () => Promise.reject(new Error("getaddrinfo ENOTFOUND")),
    watchFs: () => {
      throw new Error("Too many open files");
    },
    fetch,
  };
}

Deno.test("doctor: each broken piece is one FAIL line saying what to fix; exit 0 only when nothing fails", async () => {
  const unreachable = (argv: string[]): Promise<RunResult> =>
    Promise.resolve({
      code: argv[0] === "docker-compose" ? 127 : 1,
      stdout: "",
      stderr:
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n",
      timedOut: false,
    });
  const findings = await runDoctor(doctorWorld(unreachable));
  const text = formatFindings(findings);
  const line = (check: string) =>
    text.split("\n").find((l) => l.slice(6).startsWith(check + " "));
  assert.match(
    line("credentials")!,
    /^FAIL .*does not exist.*; fix: log in with `claude`/,
  );
  assert.match(
    line("directory")!,
    /^FAIL .*\/nonexistent-sot is not writable.*; fix: /,
  );
  assert.match(line("env file")!, /^FAIL .*does not exist; fix: .*--create/);
  assert.match(
    line("inotify")!,
    /^WARN .*Too many open files.*polls every 5 s.*fix: raise it/,
  );
  assert.match(
    line("docker")!,
    /^FAIL .*cannot reach the engine.*fix: start the engine/,
  );
  assert.match(
    line("compose")!,
    /^FAIL .*neither `docker compose` \(v2\) nor `docker-compose`/,
  );
  assert.match(
    line("token endpoint")!,
    /^FAIL .*platform\.claude\.com does not resolve/,
  );
  for (const l of text.split("\n")) assert.match(l, /^(OK {2}|WARN|FAIL) {2}/);
  assert.equal(doctorExitCode(findings), 1);
  assert.equal(doctorExitCode(findings.filter((f) => f.verdict !== "fail")), 0);
});

Deno.test("doctor: a check that throws is a FAIL of that check; the others still run", async () => {
  const checks: Check[] = [
    { name: "broken", run: () => Promise.reject(new Error("kaput")) },
    {
      name: "fine",
      run: () =>
        Promise.resolve([{ check: "fine", verdict: "ok", detail: "yes" }]),
    },
  ];
  const findings = await runDoctor(doctorWorld(recordingRunner().run), checks);
  assert.deepEqual(findings.map((f) => [f.check, f.verdict]), [[
    "broken",
    "fail",
  ], ["fine", "ok"]]);
  assert.match(findings[0].detail, /kaput/);
});
