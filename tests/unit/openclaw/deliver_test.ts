import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { createLogger } from "../../../src/lib/log.ts";
import type { RunOptions } from "../../../src/lib/process.ts";
import { deliverToOpenClaw } from "../../../src/openclaw/deliver.ts";
import type { OpenClawMemo } from "../../../src/openclaw/route_for.ts";
import type { Discovery } from "../../../src/openclaw/discovery.ts";
import { MANUAL_PROFILE } from "../../../src/sinks/auth_store.ts";
import { memoryLog, ok, targetSettings } from "../../helpers/fakes.ts";
import { testLogin } from "../../helpers/fixture.ts";
import { fakeCli, statusJson, store } from "../../helpers/openclaw.ts";

/** What discovery found of an OpenClaw reached only through the CLI `oc`. */
function onlyCli(): Discovery {
  return {
    kind: "native",
    store: undefined,
    cli: [{ prefix: ["oc"], timeoutMs: 1000 }],
    closed: "no state directory",
    notes: [],
    looked: [],
  };
}

Deno.test("openclaw delivery: paste-token gets the token on stdin only, an OAuth profile in front gets the order set, and the result is verified", async () => {
  const login = testLogin();
  let pasted = false;
  let ordered = false;
  const manual = {
    id: MANUAL_PROFILE,
    type: "token",
    expiresAt: login.expiresAt,
    token: login.accessToken,
  };
  const oauth = { id: "anthropic:default", type: "oauth", expiresAt: 1 };
  const cli = fakeCli({
    "models status": () =>
      ok(statusJson(
        !pasted ? [oauth] : ordered ? [manual, oauth] : [oauth, manual],
      )),
    "paste-token --provider": () => {
      pasted = true;
      return ok("Auth profile: anthropic:manual (anthropic/token)");
    },
    "order set": () => {
      ordered = true;
      return ok("");
    },
  });
  const lines: string[] = [];
  const log = createLogger({
    format: "text",
    level: "info",
    write: (l) => lines.push(l),
  });
  const config = targetSettings({ "openclaw-cli": "oc" });
  const where = await deliverToOpenClaw(
    config,
    login,
    { run: cli.run, log, openclaw: { discovery: onlyCli() } },
    false,
  );
  assert.equal(where, "oc");
  const argvs = cli.calls.map((c) => c.argv.join(" "));
  assert.deepEqual(argvs.map((a) => a.replace(/\d+s$/, "Ns")), [
    "oc models status --json",
    "oc models auth paste-token --provider anthropic --expires-in Ns",
    "oc models status --json",
    "oc models auth order set --provider anthropic anthropic:manual anthropic:default",
    "oc models status --json",
  ]);
  assert.equal(cli.calls[1].stdin, login.accessToken);
  assert.ok(argvs.every((a) => !a.includes(login.accessToken)));
  assert.ok(lines.some((l) => /updated, verified in use/.test(l)));
  assert.ok(
    lines.some((l) => /also holds OAuth profile anthropic:default/.test(l)),
  );
  assert.ok(lines.every((l) => !l.includes(login.accessToken)));
});

Deno.test("openclaw delivery: a token OpenClaw stores but does not use is a failure naming what it uses", async () => {
  const login = testLogin();
  const cli = fakeCli({
    "models status": () =>
      ok(
        statusJson([{ id: "anthropic:default", type: "oauth", expiresAt: 1 }]),
      ),
  });
  const log = createLogger({ format: "text", level: "error", write: () => {} });
  const config = targetSettings({ "openclaw-cli": "oc" });
  await assert.rejects(
    deliverToOpenClaw(config, login, {
      run: cli.run,
      log,
      openclaw: { discovery: onlyCli() },
    }, false),
    /stored …[\w-]{4}#\w+ as anthropic:manual but uses anthropic:default \(oauth\)/,
  );
});

/** What the store's anthropic:manual holds. */
function manualIn(
  dir: string,
): { token?: string; expires?: number } | undefined {
  const db = new DatabaseSync(join(dir, "state", "openclaw.sqlite"));
  try {
    const row = db.prepare("select value_json from config_machine_state")
      .get() as {
        value_json: string;
      };
    return JSON.parse(row.value_json).profiles[MANUAL_PROFILE];
  } finally {
    db.close();
  }
}

/**
 * A gateway in a container, as far as the tool sees it: `docker exec … node`
 * answers with the store's anthropic:manual as models.authStatus shows it;
 * `exec -T … node dist/index.js … paste-token` stores the token it reads on
 * stdin (`openclaw` is not in the image).
 */
function containerGateway(dir: string, version = "2026.9.6") {
  const calls: string[] = [];
  const run = (argv: string[], o: RunOptions) => {
    const line = argv.join(" ");
    calls.push(
      line.startsWith("docker exec") ? "docker exec node -e <client>" : line,
    );
    if (line.startsWith("docker exec -i")) {
      const manual = manualIn(dir);
      const at = manual?.expires;
      return Promise.resolve(ok(JSON.stringify({
        version,
        scopes: ["operator.admin"],
        refreshed: true,
        status: {
          providers: [{
            provider: "anthropic",
            expiry: at ? { at } : undefined,
            profiles: manual
              ? [{ profileId: MANUAL_PROFILE, type: "token", expiry: { at } }]
              : [],
          }],
        },
      })));
    }
    if (line.includes(" openclaw models")) {
      return Promise.resolve({
        code: 126,
        stdout: "",
        stderr: 'exec: "openclaw": executable file not found in $PATH',
        timedOut: false,
      });
    }
    if (
      line.includes("node dist/index.js models auth paste-token --provider")
    ) {
      const db = new DatabaseSync(join(dir, "state", "openclaw.sqlite"));
      db.prepare("update config_machine_state set value_json = ?").run(
        JSON.stringify({
          version: 1,
          profiles: {
            [MANUAL_PROFILE]: {
              type: "token",
              provider: "anthropic",
              token: o.stdin,
              expires: Date.now() +
                Number(/--expires-in (\d+)s/.exec(line)![1]) * 1000,
            },
          },
        }),
      );
      db.close();
      return Promise.resolve(
        ok("Auth profile: anthropic:manual (anthropic/token)"),
      );
    }
    return Promise.resolve(ok(""));
  };
  return { calls, run };
}

/** Discovery of that gateway: the store found, reached from inside its container. */
function inContainer(dir: string): Discovery {
  const exec = (...argv: string[]) => ({
    prefix: ["docker", "compose", "exec", "-T", "openclaw-gateway", ...argv],
    timeoutMs: 1000,
  });
  return {
    kind: "compose",
    stateDir: { value: dir, from: "OPENCLAW_CONFIG_DIR in /srv/oc/.env" },
    store: "sqlite",
    reach: {
      kind: "exec",
      container: "c0ffee",
      port: 18789,
      token: { value: "gw", from: "the container's environment" },
    },
    cli: [exec("openclaw"), exec("node", "dist/index.js")],
    notes: [],
    looked: [],
  };
}

Deno.test("openclaw delivery to a container: the first token through the CLI prefix that exists (said once), verified through the gateway from inside its container; later ones straight to the store with no CLI start-up", async () => {
  const dir = await store();
  const gateway = containerGateway(dir);
  const log = memoryLog();
  const memo: OpenClawMemo = { discovery: inContainer(dir) };
  const config = targetSettings({ "env-file": "/srv/oc/.env" });
  try {
    const first = testLogin();
    const where = await deliverToOpenClaw(config, first, {
      run: gateway.run,
      log,
      openclaw: memo,
    }, false);
    assert.equal(
      where,
      "docker compose exec -T openclaw-gateway node dist/index.js",
    );
    assert.equal(manualIn(dir)?.token, first.accessToken);
    assert.deepEqual(
      gateway.calls.map((c) => c.replace(/\d+s$/, "Ns")),
      [
        "docker compose exec -T openclaw-gateway openclaw models auth paste-token --provider anthropic --expires-in Ns",
        "docker compose exec -T openclaw-gateway node dist/index.js models auth paste-token --provider anthropic --expires-in Ns",
        "docker exec node -e <client>",
      ],
      "one failed exec, one paste, verification through the gateway: no `models status`",
    );
    assert.equal(
      log.lines.filter((l) =>
        /first delivery to this OpenClaw through `models auth paste-token`/
          .test(l)
      ).length,
      1,
    );
    gateway.calls.length = 0;
    for (let i = 0; i < 2; i++) {
      const next = testLogin();
      const path = await deliverToOpenClaw(config, next, {
        run: gateway.run,
        log,
        openclaw: memo,
      }, false);
      assert.equal(path, join(dir, "state", "openclaw.sqlite"));
      assert.equal(manualIn(dir)?.token, next.accessToken);
    }
    assert.deepEqual(
      gateway.calls,
      [
        "docker exec node -e <client>",
        "docker exec node -e <client>",
      ],
      "each later rotation: the store write and one reload-and-confirm, no CLI",
    );
    assert.equal(
      log.lines.filter((l) => /first delivery/.test(l)).length,
      1,
      "said once",
    );
    assert.ok(log.lines.every((l) => !l.includes("sk-ant-oat01-")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openclaw delivery: a gateway showing the login's expiry is not taken for holding its token; the store on this host must hold the very token", async () => {
  const older = testLogin();
  const login = { ...testLogin(), expiresAt: older.expiresAt + 60_000 };
  const dir = await store({
    type: "token",
    provider: "anthropic",
    token: older.accessToken,
    expires: older.expiresAt,
  });
  const config = targetSettings({ "env-file": "/srv/oc/.env" });
  // the direct route closed (say, the store is not writable by this agent)
  const closed = () => ({ ...inContainer(dir), closed: "not writable" });
  try {
    const gateway = containerGateway(dir);
    await deliverToOpenClaw(config, login, {
      run: gateway.run,
      log: memoryLog(),
      openclaw: { discovery: closed() },
    }, false);
    assert.ok(
      gateway.calls.some((c) => c.includes("paste-token --provider")),
      "pasted: the expiry alone said nothing of the token",
    );
    assert.equal(manualIn(dir)?.token, login.accessToken);
    const again = containerGateway(dir);
    const where = await deliverToOpenClaw(config, login, {
      run: again.run,
      log: memoryLog(),
      openclaw: { discovery: closed() },
    }, false);
    assert.equal(where, undefined);
    assert.deepEqual(
      again.calls,
      ["docker exec node -e <client>"],
      "the store holds it and the gateway shows it in effect: nothing to do",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
