import assert from "node:assert/strict";
import { fingerprint } from "../../../src/lib/fingerprint.ts";
import {
  type AgentState,
  describeState,
  mergeState,
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
