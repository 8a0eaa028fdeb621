/**
 * What this host tells about the OpenClaw a target delivers to: which auth
 * store its state directory holds, and how to reach its running gateway.
 */
import { join } from "node:path";
import { lenient } from "../lib/untrusted.ts";
import * as z from "../lib/zod/zod.js";
import { envValue } from "../lib/dotenv.ts";
import { exists, readTextIfExists } from "../lib/files.ts";
import { authProfilesPath, storeDatabase } from "../sinks/auth_store.ts";
import type { StoreKind } from "./route.ts";

/** The settings that say where a target's OpenClaw is. */
export interface OpenClawSettings {
  openclawState?: string;
  openclawGateway?: string;
  openclawGatewayToken?: string;
  envFile?: string;
}

/** How to reach the running gateway: its WebSocket URL and shared token. */
export interface GatewayAccess {
  url: string;
  token: string;
}

/** The part of openclaw.json this tool reads: the gateway's port and shared token. */
const OpenClawJson = z.object({
  gateway: lenient(z.object({
    port: lenient(z.number()),
    auth: lenient(z.object({ token: lenient(z.string()) })),
  })),
});

/** The gateway's port and token as OpenClaw's own config names them; nothing when it cannot be read. */
async function fromOpenClawJson(
  stateDir: string,
): Promise<{ port?: number; token?: string }> {
  try {
    const text = await readTextIfExists(join(stateDir, "openclaw.json"));
    const gateway = text === undefined
      ? undefined
      : OpenClawJson.safeParse(JSON.parse(text)).data?.gateway;
    return { port: gateway?.port, token: gateway?.auth?.token };
  } catch {
    return {};
  }
}

/** Which auth store an OpenClaw state directory holds, by the files in it. */
export async function storeKind(
  stateDir: string | undefined,
): Promise<StoreKind> {
  if (!stateDir) return undefined;
  if (await exists(storeDatabase(stateDir))) return "sqlite";
  if (await exists(authProfilesPath(stateDir))) return "auth-profiles";
  return undefined;
}

/** The gateway's URL and token from the settings, the environment, openclaw.json or the .env file; undefined when no token is known. */
export async function gatewayAccess(
  settings: OpenClawSettings,
): Promise<GatewayAccess | undefined> {
  if (!settings.openclawState) return undefined;
  const own = await fromOpenClawJson(settings.openclawState);
  const dotenv = settings.envFile
    ? await readTextIfExists(settings.envFile).catch(() => undefined)
    : undefined;
  const token = settings.openclawGatewayToken ??
    Deno.env.get("OPENCLAW_GATEWAY_TOKEN") ?? own.token ??
    (dotenv === undefined
      ? undefined
      : envValue(dotenv, "OPENCLAW_GATEWAY_TOKEN"));
  if (!token) return undefined;
  const url = settings.openclawGateway ??
    `ws://127.0.0.1:${own.port ?? 18789}`;
  return { url, token };
}
