import assert from "node:assert/strict";
import { join } from "node:path";
import { gatewayToken } from "../../../src/openclaw/gateway_access.ts";

/** A state directory whose openclaw.json says `token` (if given), and OpenClaw's own .env with `dotenv`. */
async function state(token?: unknown, dotenv?: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sot-gw-" });
  await Deno.writeTextFile(
    join(dir, "openclaw.json"),
    JSON.stringify({
      gateway: { port: 1, auth: token === undefined ? {} : { token } },
    }),
  );
  if (dotenv) await Deno.writeTextFile(join(dir, ".env"), dotenv);
  return dir;
}

Deno.test("gateway token: the setting, else openclaw.json's literal, else the environment, the container, the compose .env, OpenClaw's own .env — each with where it came from", async () => {
  const dir = await state("gw-config");
  const bare = await state(undefined, "OPENCLAW_GATEWAY_TOKEN=gw-state-env\n");
  const envFile = join(bare, "compose.env");
  await Deno.writeTextFile(envFile, "OPENCLAW_GATEWAY_TOKEN=gw-dotenv\n");
  try {
    assert.deepEqual(
      await gatewayToken({
        setting: { value: "gw-flag", from: "--openclaw-gateway-token" },
        env: {},
        stateDir: dir,
      }),
      { value: "gw-flag", from: "--openclaw-gateway-token" },
    );
    assert.deepEqual(
      await gatewayToken({
        env: { OPENCLAW_GATEWAY_TOKEN: "gw-env" },
        stateDir: dir,
      }),
      {
        value: "gw-config",
        from: `gateway.auth.token in ${join(dir, "openclaw.json")}`,
      },
      "the gateway itself prefers its config's token",
    );
    const sources = { env: {}, stateDir: bare, envFile };
    assert.deepEqual(
      await gatewayToken({
        ...sources,
        containerEnv: ["HOME=/home/node", "OPENCLAW_GATEWAY_TOKEN=gw-ctr"],
      }),
      {
        value: "gw-ctr",
        from: "OPENCLAW_GATEWAY_TOKEN in the gateway container's environment",
      },
    );
    assert.deepEqual(await gatewayToken(sources), {
      value: "gw-dotenv",
      from: `OPENCLAW_GATEWAY_TOKEN in ${envFile}`,
    });
    assert.deepEqual(await gatewayToken({ env: {}, stateDir: bare }), {
      value: "gw-state-env",
      from: `OPENCLAW_GATEWAY_TOKEN in ${join(bare, ".env")}`,
    });
    assert.equal(await gatewayToken({ env: {} }), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(bare, { recursive: true });
  }
});

Deno.test("gateway token: openclaw.json naming an environment variable (`${VAR}` or an env SecretRef) is resolved from the places that hold variables", async () => {
  const ref = await state({ source: "env", provider: "default", id: "GW_REF" });
  const template = await state("${GW_TPL}", "GW_TPL=gw-from-state-env\n");
  try {
    assert.deepEqual(
      await gatewayToken({
        env: {},
        stateDir: ref,
        containerEnv: ["GW_REF=gw-ref"],
      }),
      {
        value: "gw-ref",
        from:
          `GW_REF in the gateway container's environment, as gateway.auth.token in ${
            join(ref, "openclaw.json")
          } names it`,
      },
    );
    assert.equal(
      (await gatewayToken({ env: {}, stateDir: template }))?.value,
      "gw-from-state-env",
    );
    assert.equal(
      await gatewayToken({ env: {}, stateDir: ref }),
      undefined,
      "a reference to nothing is no token",
    );
  } finally {
    await Deno.remove(ref, { recursive: true });
    await Deno.remove(template, { recursive: true });
  }
});
