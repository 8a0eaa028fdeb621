// Several consumers of one login from one agent, on the real Docker engine:
// two compose projects and a plain .env consumer as targets.d files.
//   bash tests/engine/engine.sh start && eval "$(bash tests/engine/engine.sh env)"
//   deno test -A tests/engine/targets_test.ts

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  engineTest,
  envFileToken,
  GATEWAY,
  MAIN_TS,
  OTHER,
  Project,
  REPO_ROOT,
  requireEngine,
  run,
  testToken,
} from "./fixture.ts";

engineTest(
  "targets: one --once delivers to two compose projects and a plain consumer; each gateway is recreated with the new token, nothing else is",
  240_000,
  async () => {
    await requireEngine();
    const a = await Project.create({ flavor: "v2" });
    const b = await Project.create({ flavor: "v2" });
    const consumer = await Deno.makeTempDir({ prefix: "sot-consumer-" });
    try {
      await a.up();
      await b.up();
      const before = {
        aGateway: await a.containerId(GATEWAY),
        aOther: await a.containerId(OTHER),
        bGateway: await b.containerId(GATEWAY),
        bOther: await b.containerId(OTHER),
      };
      await Deno.writeTextFile(join(consumer, ".env"), "TOOL=1\n");
      const config = join(a.root, "etc", "config.env");
      await Deno.mkdir(join(a.root, "etc", "targets.d"), { recursive: true });
      await Deno.writeTextFile(config, "SYNC_OAUTH_TOKEN_OPENCLAW=env-only\n");
      const targets = join(a.root, "etc", "targets.d");
      await Deno.writeTextFile(
        join(targets, "alpha.env"),
        `SYNC_OAUTH_TOKEN_ENV_FILE=${a.envFile}\n`,
      );
      await Deno.writeTextFile(
        join(targets, "beta.env"),
        `SYNC_OAUTH_TOKEN_ENV_FILE=${b.envFile}\n`,
      );
      await Deno.writeTextFile(
        join(targets, "tool.env"),
        `SYNC_OAUTH_TOKEN_ENV_FILE=${consumer}/.env\nSYNC_OAUTH_TOKEN_RESTART=none\n`,
      );
      const token = testToken();
      await a.writeCredentials(token);
      const out = await run(Deno.execPath(), [
        "run",
        "-A",
        MAIN_TS,
        "--once",
        "--credentials",
        a.credentials,
        "--config",
        config,
      ], {
        cwd: REPO_ROOT,
        env: { ...a.env, NO_COLOR: "1" },
        timeoutMs: 180_000,
      });
      assert.equal(out.code, 0, out.output);
      assert.ok(!out.output.includes(token), "no token printed");
      assert.equal(
        (await a.containerEnv(GATEWAY)).ANTHROPIC_OAUTH_TOKEN,
        token,
      );
      assert.equal(
        (await b.containerEnv(GATEWAY)).ANTHROPIC_OAUTH_TOKEN,
        token,
      );
      assert.equal(await envFileToken(a.envFile), token);
      assert.equal(await envFileToken(b.envFile), token);
      assert.match(
        await Deno.readTextFile(join(consumer, ".env")),
        new RegExp(`^ANTHROPIC_OAUTH_TOKEN=${token}$`, "m"),
      );
      assert.notEqual(await a.containerId(GATEWAY), before.aGateway);
      assert.notEqual(await b.containerId(GATEWAY), before.bGateway);
      assert.equal(
        await a.containerId(OTHER),
        before.aOther,
        "alpha's other service",
      );
      assert.equal(
        await b.containerId(OTHER),
        before.bOther,
        "beta's other service",
      );
      const ups = (await a.composeCalls("v2")).filter((c) =>
        / up /.test(` ${c} `)
      );
      assert.equal(ups.length, 2, `two recreates, one per project: ${ups}`);
    } finally {
      await a.down();
      await b.down();
      await Deno.remove(consumer, { recursive: true });
    }
  },
);
