import assert from "node:assert/strict";
import { closest, parseCommandLine } from "../../../src/config/args.ts";

Deno.test("command line: command, values in both forms, booleans, and errors for unknown input", () => {
  const line = parseCommandLine([
    "status",
    "--json",
    "--env-file=/a",
    "--service",
    "gw",
  ]);
  assert.equal(line.command, "status");
  assert.deepEqual(line.options, {
    json: true,
    "env-file": "/a",
    service: "gw",
  });
  assert.equal(parseCommandLine([]).command, "watch");
  assert.throws(() => parseCommandLine(["--nope"]), /--nope/);
  assert.throws(() => parseCommandLine(["frobnicate"]), /frobnicate/);
  assert.throws(() => parseCommandLine(["--service"]), /needs a value/);
  assert.throws(() => parseCommandLine(["--once=1"]), /no value/);
});

Deno.test("command line: a near miss gets a suggestion and a pointer to --help", () => {
  assert.throws(
    () => parseCommandLine(["--enf-file", "/x"]),
    /^Error: unknown option --enf-file; did you mean --env-file\? see sync-oauth-token --help$|unknown option --enf-file; did you mean --env-file\? see sync-oauth-token --help/,
  );
  assert.throws(
    () => parseCommandLine(["stauts"]),
    /unknown command stauts; did you mean status\?/,
  );
  assert.throws(
    () => parseCommandLine(["--zzzzzz"]),
    (e: Error) =>
      !/did you mean/.test(e.message) &&
      /see sync-oauth-token --help/.test(e.message),
  );
  assert.equal(closest("setle", ["settle", "service"]), "settle");
});

Deno.test("command line: an option the command does not take is a usage error, bare --json included", () => {
  assert.throws(
    () => parseCommandLine(["status", "--once"]),
    (e: Error & { exitCode?: number }) =>
      e.exitCode === 2 &&
      /--once does not apply to status; it goes with watch, refresh/.test(
        e.message,
      ),
  );
  assert.throws(
    () => parseCommandLine(["--json"]),
    /--json does not apply to watch \(no command given, so watch\)/,
  );
  assert.throws(
    () => parseCommandLine(["refresh", "--settle", "1s"]),
    /--settle/,
  );
  assert.equal(parseCommandLine(["config", "--once"]).options.once, true);
  assert.equal(
    parseCommandLine(["refresh", "--once", "--force"]).command,
    "refresh",
  );
});
