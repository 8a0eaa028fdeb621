import assert from "node:assert/strict";
import { parseCommandLine } from "../../src/cli.ts";
import {
  defaultCredentialsPath,
  envName,
  isBooleanFlag,
  parseDuration,
  resolveConfig,
  shownConfig,
} from "../../src/config.ts";

Deno.test("config: flags win over the environment, which wins over the config file", () => {
  const file = {
    path: "/etc/x.env",
    text:
      "SYNC_OAUTH_TOKEN_SERVICE=from-file\nSYNC_OAUTH_TOKEN_ENV_KEY=FILE_KEY\nSYNC_OAUTH_TOKEN_RESTART=none\n",
  };
  const env = {
    HOME: "/home/u",
    SYNC_OAUTH_TOKEN_SERVICE: "from-env",
    SYNC_OAUTH_TOKEN_RESTART: "down-up",
  };
  const c = resolveConfig({ flags: { restart: "recreate" }, env, file });
  assert.equal(c.restart, "recreate");
  assert.equal(c.service, "from-env");
  assert.equal(c.envKey, "FILE_KEY");
  assert.equal(c.credentials, "/home/u/.claude/.credentials.json");
});

Deno.test("config: an invalid value is a usage error naming where it came from", () => {
  assert.throws(
    () => resolveConfig({ flags: {}, env: { SYNC_OAUTH_TOKEN_RESTART: "x" } }),
    (e: Error & { exitCode?: number }) =>
      e.exitCode === 2 && /SYNC_OAUTH_TOKEN_RESTART/.test(e.message),
  );
  assert.throws(
    () => resolveConfig({ flags: { "env-key": "BAD KEY" }, env: {} }),
    /--env-key/,
  );
  assert.throws(
    () =>
      resolveConfig({
        flags: {},
        env: {},
        file: { path: "/c.env", text: "SYNC_OAUTH_TOKEN_SETTLE=soon\n" },
      }),
    /SYNC_OAUTH_TOKEN_SETTLE in \/c.env/,
  );
  assert.throws(
    () =>
      resolveConfig({
        flags: {},
        env: {},
        file: { path: "/c.env", text: "SYNC_OAUTH_TOKEN_TYPO=1\n" },
      }),
    /unknown key SYNC_OAUTH_TOKEN_TYPO/,
  );
});

Deno.test("config: compose dir defaults to the env file's directory; durations and booleans parse", () => {
  const c = resolveConfig({
    flags: { "env-file": "/srv/oc/.env", settle: "250ms" },
    env: { SYNC_OAUTH_TOKEN_CREATE: "yes" },
  });
  assert.equal(c.composeDir, "/srv/oc");
  assert.equal(c.settle, 250);
  assert.equal(c.create, true);
  assert.equal(parseDuration("6h"), 6 * 3600e3);
  assert.equal(parseDuration("90"), 90e3);
  assert.equal(parseDuration("soon"), undefined);
});

Deno.test("config: the default credentials path follows Claude Code's variables", () => {
  assert.equal(
    defaultCredentialsPath({ CLAUDE_CONFIG_DIR: "/c", HOME: "/h" }),
    "/c/.credentials.json",
  );
  assert.equal(
    defaultCredentialsPath({ HOME: "/h" }),
    "/h/.claude/.credentials.json",
  );
  assert.equal(envName("env-file"), "SYNC_OAUTH_TOKEN_ENV_FILE");
});

Deno.test("command line: command, values in both forms, booleans, and errors for unknown input", () => {
  const line = parseCommandLine(
    ["status", "--json", "--env-file=/a", "--service", "gw"],
    isBooleanFlag,
  );
  assert.equal(line.command, "status");
  assert.deepEqual(line.options, {
    json: true,
    "env-file": "/a",
    service: "gw",
  });
  assert.equal(parseCommandLine([], isBooleanFlag).command, "watch");
  assert.throws(() => parseCommandLine(["--nope"], isBooleanFlag), /--nope/);
  assert.throws(
    () => parseCommandLine(["frobnicate"], isBooleanFlag),
    /frobnicate/,
  );
  assert.throws(
    () => parseCommandLine(["--service"], isBooleanFlag),
    /needs a value/,
  );
  assert.throws(
    () => parseCommandLine(["--once=1"], isBooleanFlag),
    /no value/,
  );
});

Deno.test("config: a secret option (the gateway token) is shown only as set", () => {
  const config = resolveConfig({
    flags: { "openclaw-gateway-token": "s3cret-gateway-token" },
    env: {},
  });
  assert.equal(config.openclawGatewayToken, "s3cret-gateway-token");
  const shown = JSON.stringify(shownConfig(config));
  assert.ok(!shown.includes("s3cret"));
  assert.equal(shownConfig(config).openclawGatewayToken, "(set)");
  assert.equal(
    shownConfig(resolveConfig({ flags: {}, env: {} })).openclawGatewayToken,
    undefined,
  );
});
