/**
 * The direct route to a current OpenClaw: write the login into its SQLite
 * auth store, then make the running gateway reload and confirm it over its
 * WebSocket API. Sub-second, against one `paste-token` CLI start of several
 * seconds; used once `paste-token` has created anthropic:manual.
 */
import { join } from "../paths.ts";
import type { Config } from "../config.ts";
import type { Login } from "../credentials.ts";
import { envValue } from "../dotenv.ts";
import { readTextIfExists } from "../files.ts";
import { connectGateway } from "./gateway.ts";
import { gatewayUsesLogin } from "./models_status.ts";
import { storeDatabase, writeStoreLogin } from "./sqlite_store.ts";

/** How to reach the running gateway: its WebSocket URL and shared token. */
export interface GatewayAccess {
  url: string;
  token: string;
}

/** The gateway's port and token as OpenClaw's own config names them. */
async function fromOpenClawConfig(
  stateDir: string,
): Promise<{ port?: number; token?: string }> {
  try {
    const text = await readTextIfExists(join(stateDir, "openclaw.json"));
    const gateway = text ? JSON.parse(text).gateway : undefined;
    return {
      port: typeof gateway?.port === "number" ? gateway.port : undefined,
      token: typeof gateway?.auth?.token === "string"
        ? gateway.auth.token
        : undefined,
    };
  } catch {
    return {};
  }
}

/** The gateway's URL and token from the options, the environment, openclaw.json or the .env file; undefined when no token is known. */
export async function gatewayAccess(
  config: Config,
): Promise<GatewayAccess | undefined> {
  if (!config.openclawState) return undefined;
  const own = await fromOpenClawConfig(config.openclawState);
  const dotenv = config.envFile
    ? await readTextIfExists(config.envFile).catch(() => undefined)
    : undefined;
  const token = config.openclawGatewayToken ??
    Deno.env.get("OPENCLAW_GATEWAY_TOKEN") ?? own.token ??
    (dotenv === undefined
      ? undefined
      : envValue(dotenv, "OPENCLAW_GATEWAY_TOKEN"));
  if (!token) return undefined;
  const url = config.openclawGateway ??
    `ws://127.0.0.1:${own.port ?? 18789}`;
  return { url, token };
}

/** The outcome of the direct route: delivered or already current (both verified), or why it could not be used. */
export type DirectResult =
  | { ok: true; changed: boolean }
  | { ok: false; why: string; expected?: boolean };

/** Writes the login into the store and has the gateway reload and confirm it. */
export async function deliverDirect(
  stateDir: string,
  access: GatewayAccess,
  login: Login,
): Promise<DirectResult> {
  const written = await writeStoreLogin(storeDatabase(stateDir), login);
  if (written === "no-profile") {
    return {
      ok: false,
      why: "the store has no anthropic:manual yet",
      expected: true,
    };
  }
  const gateway = await connectGateway(
    access.url,
    access.token,
    undefined,
    5_000,
  );
  try {
    if (written === "written") {
      const reload = await gateway.call(
        "models.authRefresh",
        { operation: "login" },
        { timeoutMs: 5_000 },
      );
      if (!reload.ok) {
        await gateway.call("models.authStatus", { refresh: true });
      }
    }
    const status = await gateway.call("models.authStatus", {}, {
      timeoutMs: 5_000,
    });
    return gatewayUsesLogin(status.payload, login)
      ? { ok: true, changed: written === "written" }
      : { ok: false, why: "the gateway does not show the token in effect" };
  } finally {
    gateway.close();
  }
}
