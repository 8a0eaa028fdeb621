import assert from "node:assert/strict";
import { authProfilesSink } from "../../../src/sinks/auth_profiles.ts";
import {
  MANUAL_PROFILE,
  storeWithLogin,
} from "../../../src/sinks/auth_store.ts";
import { testLogin } from "../../helpers/fixture.ts";

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
