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

Deno.test("redact: the prefixes as text (in the tool's own messages) stay readable; only tokens are replaced", () => {
  const message =
    "must start with sk-ant-oat01- and hold no whitespace; or sk-ant-ort01-, for refresh tokens";
  assert.equal(redact(message), message);
  const { accessToken } = testLogin();
  assert.equal(
    redact(`got ${accessToken} here`),
    `got ${fingerprint(accessToken)} here`,
  );
});
