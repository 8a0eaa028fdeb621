import assert from "node:assert/strict";
import { fingerprint } from "../../../src/lib/fingerprint.ts";
import {
  type AgentState,
  describeState,
  mergeState,
  readState,
} from "../../../src/ops/state.ts";
import { testLogin } from "../../helpers/fixture.ts";

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

Deno.test("state: what a run learned of a target's OpenClaw is kept, the newer record winning, and read back", async () => {
  const older = { at: 10, route: "cli" as const, container: "a", cli: ["x"] };
  const newer = {
    at: 20,
    route: "cli" as const,
    container: "b",
    version: "2026.9.6",
  };
  const merged = mergeState(
    { targets: { gw: { openclaw: newer } } },
    { targets: { gw: { openclaw: older }, other: {} } },
  );
  assert.deepEqual(merged.targets?.gw.openclaw, newer);
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        targets: { gw: { openclaw: { ...newer, cli: "bad" } } },
      }),
    );
    assert.deepEqual((await readState(file))?.targets?.gw.openclaw, {
      at: 20,
      route: "cli",
      container: "b",
      version: "2026.9.6",
    }, "a part of another shape reads as absent");
  } finally {
    await Deno.remove(file);
  }
});
