import assert from "node:assert/strict";
import {
  oauthEntry,
  oauthJsonSink,
  renderOauthJson,
} from "../../../src/sinks/oauth_json.ts";
import { testLogin } from "../../helpers/fixture.ts";

Deno.test("oauth.json: merges the anthropic entry, keeping other providers and other fields", () => {
  const login = testLogin();
  const before = {
    "openai-codex": { access: "x", refresh: "y", expires: 1 },
    anthropic: { access: "old", refresh: "old", expires: 1, email: "a@b" },
    version: 3,
  };
  const out = JSON.parse(renderOauthJson(JSON.stringify(before), login, "p")!);
  assert.deepEqual(out["openai-codex"], before["openai-codex"]);
  assert.equal(out.version, 3);
  assert.deepEqual(out.anthropic, {
    email: "a@b",
    access: login.accessToken,
    refresh: login.refreshToken,
    expires: login.expiresAt,
    scopes: login.scopes,
  });
});

Deno.test("oauth.json: no change when it holds the same login; absent file starts empty", () => {
  const login = testLogin();
  const text = JSON.stringify({ anthropic: oauthEntry(login) });
  assert.equal(renderOauthJson(text, login, "p"), undefined);
  const fresh = JSON.parse(renderOauthJson(undefined, login, "p")!);
  assert.deepEqual(fresh, { anthropic: oauthEntry(login) });
});

Deno.test("oauth.json: a file that is not a JSON object is refused, not overwritten", () => {
  const login = testLogin();
  assert.throws(() => renderOauthJson("{nope", login, "p"), /not valid JSON/);
  assert.throws(() => renderOauthJson("[]", login, "p"), /not a JSON object/);
});

Deno.test("oauth.json: refuses a path next to a current OpenClaw SQLite store", async () => {
  const state = await Deno.makeTempDir();
  await Deno.mkdir(`${state}/credentials`);
  await Deno.mkdir(`${state}/state`);
  const sink = oauthJsonSink(`${state}/credentials/oauth.json`);
  await sink.preflight!();
  await Deno.writeTextFile(`${state}/state/openclaw.sqlite`, "");
  await assert.rejects(() => sink.preflight!(), /migration error/);
  await Deno.remove(state, { recursive: true });
});
