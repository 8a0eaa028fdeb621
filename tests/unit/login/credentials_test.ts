import assert from "node:assert/strict";
import {
  looksMidWrite,
  parseCredentials,
} from "../../../src/login/credentials.ts";
import { ExitCode, SyncError } from "../../../src/lib/errors.ts";
import { credentialsJson, testLogin } from "../../helpers/fixture.ts";

/** The exit code parseCredentials fails with, or "ok". */
function outcome(text: string): number | "ok" {
  try {
    parseCredentials(text, "f");
    return "ok";
  } catch (err) {
    assert.ok(err instanceof SyncError);
    return err.exitCode;
  }
}

Deno.test("credentials: a live login parses, with unknown fields kept in the document", () => {
  const login = testLogin();
  const creds = parseCredentials(
    credentialsJson({ ...login, rateLimitTier: "x" }, { mcpOAuth: { a: 1 } }),
    "f",
  );
  assert.deepEqual(creds.login, login);
  assert.deepEqual(creds.document.mcpOAuth, { a: 1 });
});

Deno.test("credentials: empty tokens mean the login ended (exit 3, log in again)", () => {
  const text = credentialsJson({
    accessToken: "",
    refreshToken: "",
    expiresAt: 0,
    loginEnded: "time_limit",
  });
  assert.equal(outcome(text), ExitCode.loginEnded);
  assert.throws(
    () => parseCredentials(text, "f"),
    /log in again with `claude`/,
  );
});

Deno.test("credentials: bad shapes are invalid (exit 4) and the message names the field", () => {
  const login = testLogin();
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ ...login, accessToken: login.refreshToken }, /accessToken/],
    [{ ...login, refreshToken: login.accessToken }, /refreshToken/],
    [{ ...login, accessToken: login.accessToken + "\nX=1" }, /accessToken/],
    [{ ...login, accessToken: login.accessToken + '"' }, /accessToken/],
    [{ ...login, accessToken: login.accessToken + "\\" }, /accessToken/],
    [{ ...login, accessToken: login.accessToken + " x" }, /accessToken/],
    [{ ...login, accessToken: login.accessToken + "$(id)" }, /accessToken/],
    [{ ...login, expiresAt: "1" }, /expiresAt/],
    [{ ...login, expiresAt: 1.5 }, /expiresAt/],
    [{ ...login, expiresAt: -1 }, /expiresAt/],
    [{ ...login, scopes: "user:inference" }, /scopes/],
    [{ ...login, scopes: [1] }, /scopes/],
  ];
  for (const [oauth, field] of bad) {
    const text = credentialsJson(oauth);
    assert.equal(outcome(text), ExitCode.sourceInvalid, JSON.stringify(field));
    assert.throws(() => parseCredentials(text, "f"), field);
  }
  assert.equal(outcome("{}"), ExitCode.sourceInvalid);
  assert.equal(outcome("[1]"), ExitCode.sourceInvalid);
  assert.equal(outcome('{"claudeAiOauth":'), ExitCode.sourceInvalid);
});

Deno.test("credentials: empty or cut-off JSON looks mid-write; complete JSON does not", () => {
  assert.ok(looksMidWrite(""));
  assert.ok(looksMidWrite('{"claudeAiOauth":{"accessT'));
  assert.ok(!looksMidWrite("{}"));
});
