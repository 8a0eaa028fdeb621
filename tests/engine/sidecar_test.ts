// The Docker sidecar on the real engine: an image assembled from this
// machine's parts (tests/engine/sidecar_image.sh; the Dockerfile cannot be
// built here, no registry), added to an OpenClaw-like compose project with the
// README's snippet (tests/install/compose.sidecar.yml), watching credentials
// written on the host and recreating the gateway through the Docker socket.
//
// Needs the engine of tests/engine/engine.sh (see engine_test.ts). Prints the
// time the image took to assemble and the time from the new credentials to the
// recreated gateway.

import assert from "node:assert/strict";
import {
  composeYaml,
  engineEnv,
  envFileToken,
  GATEWAY,
  must,
  OTHER,
  Project,
  randomId,
  REPO_ROOT,
  requireEngine,
  run,
  testToken,
} from "./fixture.ts";
import { scanForTokens } from "../helpers/hygiene.ts";

const SIDECAR = "sync-oauth-token";
const SNIPPET = `${REPO_ROOT}/tests/install/compose.sidecar.yml`;

/** Polls until check() returns a value (not undefined), failing with describe() after timeoutMs. */
async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  describe: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${timeoutMs / 1000} s\n${await describe()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The snippet as an override of the test project: its image, and the engine's socket as the host side. */
function override(snippet: string, image: string, socket: string): string {
  const swaps: [string, string][] = [
    ["image: sync-oauth-token:latest", `image: ${image}`],
    [
      "- /var/run/docker.sock:/var/run/docker.sock",
      `- ${socket}:/var/run/docker.sock`,
    ],
  ];
  for (const [from, to] of swaps) {
    assert.ok(snippet.includes(from), `the snippet lost "${from}"`);
    snippet = snippet.replace(from, to);
  }
  return snippet;
}

/** The gateway keeps a relative bind mount, resolved against the compose directory. */
function gatewayYaml(): string {
  return composeYaml().replace(
    `  ${GATEWAY}:\n`,
    `  ${GATEWAY}:\n    volumes:\n      - ./gateway-data:/data\n`,
  );
}

Deno.test({
  name:
    "sidecar: an image assembled without a registry, laid out as the README says, delivers host credentials and recreates the gateway",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await requireEngine();
    const engine = engineEnv();
    const image = `local/sot-sidecar-${randomId(8)}`;
    const t0 = performance.now();
    await must("bash", [`${REPO_ROOT}/tests/engine/sidecar_image.sh`, image], {
      env: engine,
      timeoutMs: 300_000,
    });
    const built = performance.now() - t0;
    const oldToken = testToken();
    const state = await Deno.makeTempDir({ prefix: "sot-openclaw-state-" });
    const p = await Project.create({
      flavor: "v2",
      dirName: `sotsc${randomId(8)}`,
      initialToken: oldToken,
      // as OpenClaw's own docker setup writes its .env
      extraEnv: [
        "OPENCLAW_GATEWAY_TOKEN=gw-test-token",
        `OPENCLAW_CONFIG_DIR=${state}`,
      ],
    }).catch(async (err) => {
      await run("docker", ["rmi", "-f", image], { env: engine });
      throw err;
    });
    // what a shell in the OpenClaw directory has: the snippet uses $PWD, $HOME
    const hostEnv = { ...p.env, PWD: p.dir };
    const compose = (args: string[]) =>
      run("docker", ["compose", ...args], {
        cwd: p.dir,
        env: hostEnv,
        timeoutMs: 120_000,
      });
    const sidecarLogs = async () => {
      const ids = (await p.containers(SIDECAR)).map((c) => c.id);
      const out = await Promise.all(
        ids.map((id) => run("docker", ["logs", id], { env: p.env })),
      );
      const logs = out.map((o) => o.output).join("\n");
      scanForTokens("the sidecar's docker logs", logs);
      return logs;
    };
    try {
      await p.writeCredentials(oldToken);
      await Deno.writeTextFile(p.composeFile, gatewayYaml());
      await Deno.mkdir(`${p.dir}/gateway-data`);
      await Deno.writeTextFile(
        `${p.dir}/docker-compose.override.yml`,
        override(
          await Deno.readTextFile(SNIPPET),
          image,
          engine.DOCKER_HOST.replace(/^unix:\/\//, ""),
        ),
      );
      const up = await compose(["up", "-d"]);
      assert.equal(up.code, 0, `compose up failed:\n${up.output}`);
      await waitFor(
        "the sidecar watches the credentials",
        60_000,
        async () => /watching/.test(await sidecarLogs()) || undefined,
        sidecarLogs,
      );
      const sidecar0 = await p.containerId(SIDECAR);
      // compose inside the sidecar resolves the project as the host did: the
      // snippet's ${PWD} too, which no shell sets there
      const inside = await must(
        "docker",
        ["exec", sidecar0, "docker", "compose", "config"],
        { env: p.env },
      );
      assert.doesNotMatch(inside.output, /variable is not set/, inside.output);
      assert.ok(
        inside.stdout.includes(`SYNC_OAUTH_TOKEN_ENV_FILE: ${p.dir}/.env`),
        inside.output,
      );
      const gateway0 = await p.containerId(GATEWAY);
      const other0 = await p.containerId(OTHER);

      const token = testToken();
      const t1 = performance.now();
      await p.writeCredentials(token);
      const gateway1 = await waitFor(
        "the sidecar recreates the gateway with the new token",
        120_000,
        async () => {
          const cs = await p.containers(GATEWAY);
          if (cs.length !== 1 || cs[0].id === gateway0 || !cs[0].running) {
            return undefined;
          }
          return (await p.containerEnv(GATEWAY)).ANTHROPIC_OAUTH_TOKEN ===
              token
            ? cs[0].id
            : undefined;
        },
        sidecarLogs,
      );
      const delivered = performance.now() - t1;

      // the .env on the host mount holds the new token, its other lines kept
      const envText = await Deno.readTextFile(p.envFile);
      assert.equal(await envFileToken(p.envFile), token, envText);
      assert.match(envText, /^OPENCLAW_GATEWAY_TOKEN=gw-test-token$/m);
      assert.match(envText, /^# openclaw deployment \(test fixture\)$/m);

      // docker inspect: the new gateway's env, and its relative bind mount
      // resolved to the host directory (compose ran inside at the host's path)
      const inspect = JSON.parse(
        (await must("docker", ["inspect", gateway1], { env: p.env })).stdout,
      )[0];
      assert.ok(
        inspect.Config.Env.includes(`ANTHROPIC_OAUTH_TOKEN=${token}`),
        "docker inspect: the gateway's env lacks the new token",
      );
      assert.deepEqual(
        inspect.Mounts.map((m: { Source: string; Destination: string }) =>
          `${m.Source}:${m.Destination}`
        ),
        [`${p.dir}/gateway-data:/data`],
      );
      assert.equal(
        inspect.Config.Labels["com.docker.compose.project.working_dir"],
        p.dir,
      );

      // only the gateway: the sidecar did not recreate itself or `other`
      assert.equal(await p.containerId(SIDECAR), sidecar0);
      assert.ok((await p.containers(SIDECAR))[0].running, "sidecar stopped");
      assert.equal(await p.containerId(OTHER), other0);
      assert.equal(
        (await p.containerEnv(OTHER)).ANTHROPIC_OAUTH_TOKEN,
        oldToken,
      );
      const logs = await sidecarLogs();
      assert.match(logs, /gateway recreated/, logs);
      // the image's tini is PID 1 (a second init would make it warn)
      assert.doesNotMatch(logs, /\[WARN +tini|Uncaught/, logs);
      for (const t of [token, oldToken]) {
        assert.ok(!logs.includes(t), "the sidecar logged a full token");
      }
      console.log(
        `sidecar: image assembled and imported in ${
          (built / 1000).toFixed(1)
        } s; new credentials -> gateway recreated in ${
          (delivered / 1000).toFixed(1)
        } s`,
      );
    } finally {
      const down = await compose(["down", "-v", "-t", "1"]);
      if (down.code !== 0) console.error(`compose down: ${down.output}`);
      const left = (await p.containers(SIDECAR).catch(() => [])).map((c) =>
        c.id
      );
      if (left.length) {
        await run("docker", ["rm", "-f", ...left], { env: p.env });
      }
      await Deno.remove(`${p.dir}/docker-compose.override.yml`).catch(() => {});
      await p.down();
      await run("docker", ["rmi", "-f", image], { env: engine });
      await Deno.remove(state, { recursive: true });
    }
  },
});
