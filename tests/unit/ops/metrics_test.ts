import assert from "node:assert/strict";
import parsePrometheus from "parse-prometheus-text-format";
import { handleMetrics, renderMetrics } from "../../../src/ops/metrics.ts";
import { type AgentState, health } from "../../../src/ops/state.ts";

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
  const oneTargetFailing: AgentState = {
    ...ok,
    targets: {
      a: { lastPass: { at: 0, ok: true } },
      b: {
        lastPass: { at: 0, ok: false, kind: "restart", error: "no daemon" },
      },
    },
  };
  assert.match(
    health(oneTargetFailing, 60_000).reason,
    /last pass failed 1m ago \(restart, target b\): no daemon/,
    "/healthz reflects the worst target",
  );
  assert.equal(health(oneTargetFailing, 60_000).ok, false);
  const dead = {
    ...ok,
    loginEnded: { at: 0, refreshToken: "…efgh#654321", error: "invalid_grant" },
  };
  assert.match(health(dead, 1_000).reason, /login ended .*log in again/);
  const source = {
    state: ok,
    counters: {
      passes: 1,
      recreates: {},
      targetFailures: {},
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
    {
      ...healthyState(7_200_000),
      lastRefreshAt: undefined,
      targets: {
        gw: { lastPass: { at: 0, ok: true }, lastSyncAt: 0 },
        other: { lastPass: { at: 0, ok: false, kind: "delivery", error: "x" } },
      },
    },
    {
      passes: 3,
      recreates: { gw: 1 },
      targetFailures: { other: 2 },
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
  assert.equal(value("gateway_recreates_total", { target: "gw" }), 1);
  assert.equal(value("target_last_pass_success", { target: "gw" }), 1);
  assert.equal(value("target_last_pass_success", { target: "other" }), 0);
  assert.equal(value("target_failures_total", { target: "other" }), 2);
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
