import assert from "node:assert/strict";
import { join } from "node:path";
import type { RunOptions, RunResult } from "../../../src/lib/process.ts";
import { discover } from "../../../src/openclaw/discover.ts";
import { containerPort } from "../../../src/openclaw/discover_compose.ts";
import { ok, targetSettings } from "../../helpers/fakes.ts";

const ID = "c0ffee".padEnd(64, "0");

/** A state directory holding a current store (the file is enough for discovery). */
async function stateDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sot-discover-" });
  await Deno.mkdir(join(dir, "state", "state"), { recursive: true });
  await Deno.writeTextFile(join(dir, "state", "state", "openclaw.sqlite"), "");
  await Deno.writeTextFile(join(dir, "state", "openclaw.json"), "{}");
  return dir;
}

/** docker inspect's answer for a gateway container. */
function inspected(opts: {
  mounts?: unknown[];
  env?: string[];
  network?: string;
  args?: string[];
}): string {
  return JSON.stringify([{
    Id: ID,
    Path: "node",
    Args: opts.args ??
      ["dist/index.js", "gateway", "--bind", "lan", "--port", "18789"],
    State: { Running: true },
    Config: {
      Env: opts.env ?? ["HOME=/home/node", "OPENCLAW_GATEWAY_TOKEN=gw-ctr"],
      Labels: {},
      Image: "openclaw:local",
      WorkingDir: "/app",
    },
    HostConfig: { NetworkMode: opts.network ?? "oc_default" },
    Mounts: opts.mounts ?? [],
  }]);
}

/** A docker that answers discovery's questions; records every argv. */
function docker(answers: Record<string, () => RunResult>) {
  const calls: string[] = [];
  const run = (argv: string[], _o: RunOptions) => {
    const line = argv.join(" ");
    calls.push(line);
    const key = Object.keys(answers).find((k) => line.startsWith(k));
    return Promise.resolve(
      key
        ? answers[key]()
        : { code: 1, stdout: "", stderr: "unexpected", timedOut: false },
    );
  };
  return { calls, run };
}

const deps = { env: {}, uid: 0 };

Deno.test("discover (compose): OPENCLAW_CONFIG_DIR of the .env names the state directory; the gateway is asked from inside its container with the token of its environment", async () => {
  const dir = await stateDir();
  const envFile = join(dir, ".env");
  await Deno.writeTextFile(envFile, `OPENCLAW_CONFIG_DIR=${dir}/state\n`);
  const d = docker({
    "docker compose version": () => ok("v2"),
    "docker compose ps -q openclaw-gateway": () => ok(`${ID}\n`),
    [`docker inspect ${ID}`]: () => ok(inspected({})),
  });
  try {
    const found = await discover(targetSettings({ "env-file": envFile }), {
      ...deps,
      run: d.run,
    });
    assert.deepEqual(found.stateDir, {
      value: `${dir}/state`,
      from: `OPENCLAW_CONFIG_DIR in ${envFile}`,
    });
    assert.equal(found.store, "sqlite");
    assert.equal(found.closed, undefined, "the direct route is open");
    assert.deepEqual(found.reach, {
      kind: "exec",
      container: ID,
      port: 18789,
      token: {
        value: "gw-ctr",
        from: "OPENCLAW_GATEWAY_TOKEN in the gateway container's environment",
      },
    });
    assert.deepEqual(
      found.cli.map((c) => c.prefix.slice(-2).join(" ")),
      ["openclaw-gateway openclaw", "node dist/index.js", "node openclaw.mjs"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("discover (compose): without OPENCLAW_CONFIG_DIR the gateway's mount of /home/node/.openclaw names it: a bind mount's source, a named volume's mountpoint, when this process sees the path", async () => {
  const dir = await stateDir();
  const envFile = join(dir, ".env");
  await Deno.writeTextFile(envFile, "OPENCLAW_GATEWAY_TOKEN=gw-dotenv\n");
  const bind = {
    Type: "bind",
    Source: `${dir}/state`,
    Destination: "/home/node/.openclaw",
  };
  const home = {
    Type: "volume",
    Name: "oc_home",
    Source: "/x",
    Destination: "/home/node",
  };
  try {
    const viaBind = await discover(targetSettings({ "env-file": envFile }), {
      ...deps,
      run: docker({
        "docker compose version": () => ok("v2"),
        "docker compose ps -q": () => ok(ID),
        "docker inspect": () => ok(inspected({ mounts: [bind] })),
      }).run,
    });
    assert.deepEqual(viaBind.stateDir, {
      value: `${dir}/state`,
      from: `the bind mount of /home/node/.openclaw in container ${
        ID.slice(0, 12)
      }`,
    });
    await Deno.mkdir(join(dir, ".openclaw"));
    const vol = docker({
      "docker compose version": () => ok("v2"),
      "docker compose ps -q": () => ok(ID),
      "docker inspect": () => ok(inspected({ mounts: [home] })),
      "docker volume inspect oc_home": () =>
        ok(
          JSON.stringify([{
            Name: "oc_home",
            Driver: "local",
            Mountpoint: dir,
          }]),
        ),
    });
    const viaVolume = await discover(targetSettings({ "env-file": envFile }), {
      ...deps,
      run: vol.run,
    });
    assert.equal(viaVolume.stateDir?.value, join(dir, ".openclaw"));
    assert.match(
      viaVolume.stateDir!.from,
      /^named volume oc_home mounted at \/home\/node\/\.openclaw/,
    );
    assert.ok(vol.calls.includes("docker volume inspect oc_home"));
    assert.equal(viaVolume.store, undefined);
    assert.match(viaVolume.closed!, /holds no state\/openclaw\.sqlite/);
    const elsewhere = { ...bind, Source: "/srv/not-on-this-host" };
    const sidecar = await discover(targetSettings({ "env-file": envFile }), {
      ...deps,
      run: docker({
        "docker compose version": () => ok("v2"),
        "docker compose ps -q": () => ok(ID),
        "docker inspect": () => ok(inspected({ mounts: [elsewhere] })),
      }).run,
    });
    assert.equal(sidecar.stateDir, undefined);
    assert.match(
      sidecar.looked.join("; "),
      /keeps \/home\/node\/\.openclaw in \/srv\/not-on-this-host, which this process does not see \(a sidecar must mount it at the same path\)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("discover (compose): a gateway on the host's network is reached directly; a configured state directory wins, named by where it was set", async () => {
  const dir = await stateDir();
  const config = targetSettings({
    "env-file": join(dir, ".env"),
    "openclaw-state": `${dir}/state`,
  });
  try {
    const found = await discover(config, {
      ...deps,
      origins: { openclawState: "SYNC_OAUTH_TOKEN_OPENCLAW_STATE" },
      run: docker({
        "docker compose version": () => ok("v2"),
        "docker compose ps -q": () => ok(ID),
        "docker inspect": () =>
          ok(
            inspected({
              network: "host",
              args: ["gateway", "--port", "19001"],
            }),
          ),
      }).run,
    });
    assert.equal(found.stateDir?.from, "SYNC_OAUTH_TOKEN_OPENCLAW_STATE");
    assert.equal(found.reach?.kind, "ws");
    assert.equal(
      found.reach?.kind === "ws" && found.reach.url.value,
      "ws://127.0.0.1:19001",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("discover (compose): the container an earlier run found, still running, is taken with that run's compose variant (no compose asked); once it stopped, compose finds the gateway again", async () => {
  const dir = await stateDir();
  const envFile = join(dir, ".env");
  await Deno.writeTextFile(envFile, `OPENCLAW_CONFIG_DIR=${dir}/state\n`);
  const stopped = JSON.stringify([{
    ...JSON.parse(inspected({}))[0],
    Id: "old",
    State: { Running: false },
  }]);
  try {
    const known = docker({ [`docker inspect ${ID}`]: () => ok(inspected({})) });
    const found = await discover(targetSettings({ "env-file": envFile }), {
      ...deps,
      run: known.run,
      container: ID,
      compose: "v1",
    });
    assert.equal(found.container?.id, ID);
    assert.equal(found.variant, "v1");
    assert.deepEqual(known.calls, [`docker inspect ${ID}`]);
    assert.equal(found.cli[0].prefix[0], "docker-compose", "v1's CLI");
    const moved = docker({
      "docker inspect old": () => ok(stopped),
      "docker compose version": () => ok("v2"),
      "docker compose ps -q openclaw-gateway": () => ok(`${ID}\n`),
      [`docker inspect ${ID}`]: () => ok(inspected({})),
    });
    const again = await discover(targetSettings({ "env-file": envFile }), {
      ...deps,
      run: moved.run,
      container: "old",
      compose: "v1",
    });
    assert.equal(again.container?.id, ID);
    assert.equal(again.variant, "v2");
    assert.ok(moved.calls.includes("docker compose version"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("discover (compose): no running container closes the direct route saying how to start it, and offers the openclaw-cli service only when asked for more", async () => {
  const dir = await stateDir();
  const envFile = join(dir, ".env");
  await Deno.writeTextFile(envFile, `OPENCLAW_CONFIG_DIR=${dir}/state\n`);
  const d = docker({
    "docker compose version": () => ok("v2"),
    "docker compose ps -q": () => ok(""),
    "docker compose config --services": () =>
      ok("openclaw-gateway\nopenclaw-cli\n"),
  });
  try {
    const found = await discover(targetSettings({ "env-file": envFile }), {
      ...deps,
      run: d.run,
    });
    assert.equal(found.container, undefined);
    assert.equal(found.reach, undefined);
    assert.equal(
      found.closed,
      "the gateway's container is not running (start it: docker compose up -d openclaw-gateway)",
    );
    assert.ok(!d.calls.some((c) => c.includes("--services")), "not asked yet");
    const more = await found.moreCli!();
    assert.deepEqual(more.map((c) => c.prefix.slice(-4)), [[
      "run",
      "--rm",
      "-T",
      "openclaw-cli",
    ]]);
    assert.match(
      found.looked.join("; "),
      /openclaw-gateway has no running container/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("discover (native): the state directory's openclaw.json gives the gateway's port and token; no docker is asked", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sot-native-" });
  await Deno.mkdir(join(dir, "state"));
  await Deno.writeTextFile(join(dir, "state", "openclaw.sqlite"), "");
  await Deno.writeTextFile(
    join(dir, "openclaw.json"),
    JSON.stringify({ gateway: { port: 18811, auth: { token: "gw-json" } } }),
  );
  const d = docker({});
  try {
    const found = await discover(
      targetSettings({ "openclaw-state": dir }),
      {
        ...deps,
        run: d.run,
        origins: { openclawState: "found: ~/.openclaw of root" },
      },
    );
    assert.equal(found.kind, "native");
    assert.deepEqual(d.calls, []);
    assert.equal(found.closed, undefined);
    assert.deepEqual(found.reach, {
      kind: "ws",
      url: {
        value: "ws://127.0.0.1:18811",
        from: `gateway.port in ${join(dir, "openclaw.json")}`,
      },
      token: {
        value: "gw-json",
        from: `gateway.auth.token in ${join(dir, "openclaw.json")}`,
      },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("discover: the gateway's port inside its container is its --port, else OPENCLAW_GATEWAY_PORT, else 18789", () => {
  assert.equal(
    containerPort({ command: ["node", "x", "--port", "19000"], env: [] }),
    19000,
  );
  assert.equal(
    containerPort({ command: ["node"], env: ["OPENCLAW_GATEWAY_PORT=18000"] }),
    18000,
  );
  assert.equal(containerPort({ command: [], env: [] }), 18789);
});
