import assert from "node:assert/strict";
import { envName } from "../../../src/config/options.ts";
import {
  defaultCredentialsPath,
  defaultStatePath,
  resolveSettings,
} from "../../../src/config/settings.ts";
import { settingsJson, showSettings } from "../../../src/config/show.ts";

/** The one target of a configuration without target files. */
function only(sources: Parameters<typeof resolveSettings>[0]) {
  const settings = resolveSettings(sources);
  assert.equal(settings.targets.length, 1);
  return { ...settings, target: settings.targets[0] };
}

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
  const c = only({ flags: { restart: "recreate" }, env, file });
  assert.equal(c.target.settings.restart, "recreate");
  assert.equal(c.target.settings.service, "from-env");
  assert.equal(c.target.settings.envKey, "FILE_KEY");
  assert.equal(c.global.credentials, "/home/u/.claude/.credentials.json");
  assert.equal(c.target.origins.restart, "--restart");
  assert.equal(c.target.origins.service, "SYNC_OAUTH_TOKEN_SERVICE");
  assert.equal(
    c.target.origins.envKey,
    "SYNC_OAUTH_TOKEN_ENV_KEY in /etc/x.env",
  );
  assert.equal(c.target.origins.composeTimeout, "default");
});

Deno.test("config: an invalid value is a usage error naming where it came from", () => {
  assert.throws(
    () =>
      resolveSettings({ flags: {}, env: { SYNC_OAUTH_TOKEN_RESTART: "x" } }),
    (e: Error & { exitCode?: number }) =>
      e.exitCode === 2 &&
      /SYNC_OAUTH_TOKEN_RESTART: expected one of recreate, down-up, none/
        .test(e.message),
  );
  assert.throws(
    () => resolveSettings({ flags: { "env-key": "BAD KEY" }, env: {} }),
    /--env-key: expected a variable name/,
  );
  assert.throws(
    () =>
      resolveSettings({
        flags: {},
        env: {},
        file: { path: "/c.env", text: "SYNC_OAUTH_TOKEN_SETTLE=soon\n" },
      }),
    /SYNC_OAUTH_TOKEN_SETTLE in \/c.env: expected a duration such as 500ms/,
  );
  assert.throws(
    () =>
      resolveSettings({
        flags: {},
        env: {},
        file: { path: "/c.env", text: "SYNC_OAUTH_TOKEN_TYPO=1\n" },
      }),
    /unknown key SYNC_OAUTH_TOKEN_TYPO/,
  );
  assert.throws(
    () => resolveSettings({ flags: { "token-url": "ftp://x" }, env: {} }),
    /--token-url: expected a https or http URL/,
  );
});

Deno.test("config: compose dir defaults to the env file's directory; durations and booleans parse", () => {
  const c = only({
    flags: { "env-file": "/srv/oc/.env", settle: "250ms" },
    env: { SYNC_OAUTH_TOKEN_CREATE: "yes" },
  });
  assert.equal(c.target.settings.composeDir, "/srv/oc");
  assert.equal(c.target.origins.composeDir, "the directory of /srv/oc/.env");
  assert.equal(c.global.settle, 250);
  assert.equal(c.target.settings.create, true);
});

Deno.test("config: the default credentials path follows Claude Code's variables; the state file lives in the tool's own state directory", () => {
  assert.equal(
    defaultCredentialsPath({ CLAUDE_CONFIG_DIR: "/c", HOME: "/h" }),
    "/c/.credentials.json",
  );
  assert.equal(
    defaultCredentialsPath({ HOME: "/h" }),
    "/h/.claude/.credentials.json",
  );
  assert.equal(envName("env-file"), "SYNC_OAUTH_TOKEN_ENV_FILE");
  assert.equal(
    defaultStatePath({ HOME: "/h" }),
    "/h/.local/state/sync-oauth-token/state.json",
  );
  assert.equal(
    defaultStatePath({ HOME: "/h", XDG_STATE_HOME: "/x" }),
    "/x/sync-oauth-token/state.json",
  );
  assert.equal(
    defaultStatePath({ HOME: "/h", STATE_DIRECTORY: "/var/lib/sot:/other" }),
    "/var/lib/sot/state.json",
  );
  const c = resolveSettings({ flags: {}, env: { HOME: "/h" } });
  assert.ok(!c.global.stateFile.startsWith("/h/.claude"));
});

Deno.test("config: target files make one target each; the main configuration fills in what they leave unset", () => {
  const settings = resolveSettings({
    flags: { service: "gw" },
    env: {},
    file: {
      path: "/etc/sot/config.env",
      text: "SYNC_OAUTH_TOKEN_RESTART=none\n",
    },
    targetFiles: [
      {
        path: "/etc/sot/targets.d/prod.env",
        text: "SYNC_OAUTH_TOKEN_ENV_FILE=/srv/prod/.env\n",
      },
      {
        path: "/etc/sot/targets.d/tools.env",
        text:
          "SYNC_OAUTH_TOKEN_ENV_FILE=/srv/tools/.env\nSYNC_OAUTH_TOKEN_ENV_KEY=CLAUDE_TOKEN\nSYNC_OAUTH_TOKEN_RESTART=recreate\n",
      },
    ],
  });
  const [prod, tools] = settings.targets;
  assert.equal(prod.settings.name, "prod");
  assert.equal(prod.settings.envFile, "/srv/prod/.env");
  assert.equal(prod.settings.composeDir, "/srv/prod");
  assert.equal(prod.settings.restart, "none");
  assert.equal(prod.settings.service, "gw");
  assert.equal(prod.origins.service, "--service");
  assert.equal(tools.settings.envKey, "CLAUDE_TOKEN");
  assert.equal(tools.settings.restart, "recreate");
  assert.equal(
    tools.origins.restart,
    "SYNC_OAUTH_TOKEN_RESTART in /etc/sot/targets.d/tools.env",
  );
  const one = resolveSettings({
    flags: { target: "tools" },
    env: {},
    targetFiles: [
      {
        path: "/t/targets.d/prod.env",
        text: "SYNC_OAUTH_TOKEN_ENV_FILE=/a/.env\n",
      },
      {
        path: "/t/targets.d/tools.env",
        text: "SYNC_OAUTH_TOKEN_ENV_FILE=/b/.env\n",
      },
    ],
  });
  assert.deepEqual(one.targets.map((t) => t.settings.name), ["tools"]);
});

Deno.test("config: target files are refused a global key, a destination set for all of them, a bad name; --target must name one", () => {
  const targetFiles = [
    { path: "/t/targets.d/a.env", text: "SYNC_OAUTH_TOKEN_ENV_FILE=/a/.env\n" },
  ];
  assert.throws(
    () =>
      resolveSettings({
        flags: {},
        env: {},
        targetFiles: [{
          path: "/t/targets.d/a.env",
          text: "SYNC_OAUTH_TOKEN_CREDENTIALS=/c.json\n",
        }],
      }),
    /a\.env: SYNC_OAUTH_TOKEN_CREDENTIALS is a global setting/,
  );
  assert.throws(
    () =>
      resolveSettings({
        flags: { "env-file": "/x/.env" },
        env: {},
        targetFiles,
      }),
    /--env-file: where the token goes is set per target once \/t\/targets.d holds target files/,
  );
  assert.throws(
    () =>
      resolveSettings({
        flags: {},
        env: {},
        targetFiles: [{ path: "/t/targets.d/bad name.env", text: "" }],
      }),
    /a target's name/,
  );
  assert.throws(
    () => resolveSettings({ flags: { target: "b" }, env: {}, targetFiles }),
    /--target: no target named b \(targets: a\)/,
  );
});

Deno.test("config: `config` prints KEY=value lines in the config file's format, durations human, each with where it came from; secrets only as set", () => {
  const settings = resolveSettings({
    flags: {
      "openclaw-gateway-token": "s3cret-gateway-token",
      "env-file": "/srv/oc/.env",
    },
    env: { SYNC_OAUTH_TOKEN_SETTLE: "1500ms" },
    file: { path: "/etc/c.env", text: "SYNC_OAUTH_TOKEN_INTERVAL=6h\n" },
  });
  const text = showSettings(settings);
  assert.ok(!text.includes("s3cret"));
  assert.ok(!JSON.stringify(settingsJson(settings)).includes("s3cret"));
  const lines = text.split("\n");
  assert.ok(
    lines.includes(
      "SYNC_OAUTH_TOKEN_OPENCLAW_GATEWAY_TOKEN=(set)  # --openclaw-gateway-token",
    ),
  );
  assert.ok(
    lines.includes("SYNC_OAUTH_TOKEN_SETTLE=1.5s  # SYNC_OAUTH_TOKEN_SETTLE"),
  );
  assert.ok(
    lines.includes(
      "SYNC_OAUTH_TOKEN_INTERVAL=6h  # SYNC_OAUTH_TOKEN_INTERVAL in /etc/c.env",
    ),
  );
  assert.ok(lines.includes("SYNC_OAUTH_TOKEN_COMPOSE_TIMEOUT=2m  # default"));
  assert.ok(lines.includes("# SYNC_OAUTH_TOKEN_OAUTH_JSON=  # not set"));
  // what `config` prints reads back as the same configuration
  const pasted = resolveSettings({
    flags: {},
    env: {},
    file: {
      path: "/pasted.env",
      text: text.replace("(set)", "s3cret-gateway-token"),
    },
  });
  assert.equal(pasted.global.settle, 1500);
  assert.equal(pasted.global.interval, 6 * 3600e3);
  assert.equal(pasted.targets[0].settings.envFile, "/srv/oc/.env");
  assert.equal(pasted.targets[0].settings.composeTimeout, 120_000);
});
