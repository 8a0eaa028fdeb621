import assert from "node:assert/strict";
import { fingerprint, redact } from "../../../src/lib/fingerprint.ts";
import { testLogin } from "../../helpers/fixture.ts";

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
