import assert from "node:assert/strict";
import { backoffDelay, Coalescer } from "../../src/coalesce.ts";
import { compose, composeBase, restartSteps } from "../../src/compose.ts";
import { resolveConfig } from "../../src/config.ts";
import { fingerprint, redact } from "../../src/fingerprint.ts";
import { acquireLock } from "../../src/lock.ts";
import { expiry, timeAgo } from "../../src/time_left.ts";
import { createLogger } from "../../src/log.ts";
import type { RunResult } from "../../src/process.ts";
import {
  isDirectoryGone,
  isRelevantEvent,
  mayCreatePath,
} from "../../src/watch_events.ts";
import { testLogin } from "../helpers/fixture.ts";

const config = resolveConfig({
  flags: {
    "env-file": "/srv/oc/.env",
    "compose-file": "dc.yml",
    "compose-project": "oc",
  },
  env: {},
});

Deno.test("fingerprint: last 4 characters and a hash, never the token; redact replaces every token", () => {
  const { accessToken, refreshToken } = testLogin();
  const fp = fingerprint(accessToken);
  assert.match(fp, /^….{4}#[0-9a-f]{6}$/);
  assert.ok(fp.startsWith(`…${accessToken.slice(-4)}#`));
  assert.notEqual(fingerprint(refreshToken), fp);
  const text = redact(`a=${accessToken} b="${refreshToken}"`);
  assert.ok(!text.includes(accessToken) && !text.includes(refreshToken));
  assert.ok(text.includes(fp));
});

Deno.test("logger: text and JSON lines carry fingerprints, not tokens, and honour the level", () => {
  const { accessToken } = testLogin();
  const lines: string[] = [];
  const log = createLogger({
    format: "json",
    level: "info",
    write: (l) => lines.push(l),
  });
  log.debug("hidden");
  log.info(`got ${accessToken}`, { token: accessToken });
  assert.equal(lines.length, 1);
  assert.ok(!lines[0].includes(accessToken));
  assert.equal(JSON.parse(lines[0]).token, fingerprint(accessToken));
});

Deno.test("compose: argv for v2 and v1 with -f and -p; restart steps per mode", () => {
  assert.deepEqual(composeBase("v2", config), [
    "docker",
    "compose",
    "-f",
    "dc.yml",
    "-p",
    "oc",
  ]);
  assert.deepEqual(composeBase("v1", config), [
    "docker-compose",
    "-f",
    "dc.yml",
    "-p",
    "oc",
  ]);
  assert.deepEqual(restartSteps(config), [[
    "up",
    "-d",
    "--force-recreate",
    "--no-deps",
    "openclaw-gateway",
  ]]);
  assert.deepEqual(restartSteps({ ...config, restart: "down-up" }), [["down"], [
    "up",
    "-d",
  ]]);
  assert.deepEqual(restartSteps({ ...config, restart: "none" }), []);
});

Deno.test("compose: a failure names the exit code, the stderr tail and, for a wrong service, the services", async () => {
  const calls: string[][] = [];
  const run = (argv: string[]): Promise<RunResult> => {
    calls.push(argv);
    if (argv.includes("config")) {
      return Promise.resolve({
        code: 0,
        stdout: "gw\nother\n",
        stderr: "",
        timedOut: false,
      });
    }
    return Promise.resolve({
      code: 1,
      stdout: "",
      stderr: "line1\nno such service: nope\n",
      timedOut: false,
    });
  };
  await assert.rejects(
    () => compose(run, "v2", config, ["up", "-d", "nope"]),
    (e: Error & { exitCode: number }) =>
      e.exitCode === 1 && /exit code 1/.test(e.message) &&
      /no such service: nope/.test(e.message) && /gw, other/.test(e.message),
  );
  assert.equal(calls.length, 2);
});

Deno.test("coalescer: requests during a run cause exactly one more run, ending in the last state", async () => {
  let state = 0;
  const seen: number[] = [];
  let release!: () => void;
  const c = new Coalescer(async () => {
    seen.push(state);
    await new Promise<void>((r) => (release = r));
  });
  c.request();
  for (let i = 1; i <= 50; i++) {
    state = i;
    c.request();
  }
  release();
  await new Promise((r) => setTimeout(r, 0));
  release();
  await c.idle();
  assert.deepEqual(seen, [0, 50]);
});

Deno.test("backoff: doubles from the base up to the cap; full jitter stays below the ceiling", () => {
  assert.deepEqual([0, 1, 2, 10].map((n) => backoffDelay(n, 1000, 5000)), [
    1000,
    2000,
    4000,
    5000,
  ]);
  assert.equal(backoffDelay(3, 1000, 60000, () => 0.5), 4000);
  assert.equal(backoffDelay(99, 15000, 900000, () => 0.999999), 899999);
});

Deno.test("watch events: renames onto the file and CLOSE_WRITE count; temp names, locks, modify and create do not", () => {
  const f = "/c/.credentials.json";
  assert.ok(
    isRelevantEvent({
      kind: "rename",
      paths: ["/c/.credentials.json.tmp.1a2b", f],
    }, f),
  );
  assert.ok(isRelevantEvent({ kind: "rename", paths: [f] }, f));
  assert.ok(isRelevantEvent({ kind: "access", paths: [f] }, f));
  assert.ok(!isRelevantEvent({ kind: "modify", paths: [f] }, f));
  assert.ok(!isRelevantEvent({ kind: "create", paths: [f] }, f));
  assert.ok(
    !isRelevantEvent({
      kind: "access",
      paths: ["/c/.credentials.json.tmp.1a2b"],
    }, f),
  );
  assert.ok(
    !isRelevantEvent({ kind: "create", paths: ["/c/.oauth_refresh.lock"] }, f),
  );
  assert.ok(!isRelevantEvent({ kind: "rename", paths: [f, "/c/old"] }, f));
  assert.ok(isDirectoryGone({ kind: "remove", paths: ["/c"] }, "/c"));
  assert.ok(mayCreatePath({ kind: "create", paths: ["/a/b"] }, "/a", "/a/b/c"));
  assert.ok(
    !mayCreatePath({ kind: "create", paths: ["/a/x"] }, "/a", "/a/b/c"),
  );
});

Deno.test("lock: an optional lock whose directory refuses it is skipped; a required one is an error", async () => {
  // /proc refuses mkdir, even to root: a stand-in for a read-only home.
  const path = "/proc/sync-oauth-token-test.lock";
  const options = { staleMs: 1000, retries: 0, retryDelayMs: 1 };
  const skipped = await acquireLock(path, { ...options, optional: true });
  await skipped.release();
  await assert.rejects(acquireLock(path, options));
});

Deno.test("time: a past event reads 'ago'; one stamped just after now (another process's clock read) reads '0s ago'; expiry reads both ways", () => {
  assert.equal(timeAgo(1_000, 181_000), "3m ago");
  assert.equal(timeAgo(5_020, 5_000), "0s ago");
  assert.equal(expiry(7_200_000 + 60_000, 0), "expires in 2h 1m");
  assert.equal(expiry(0, 90_000), "expired 1m ago");
});
