/**
 * The running gateway's shared token and port, and where each came from:
 * the settings, the agent's environment, OpenClaw's own openclaw.json (a
 * literal token, `${VAR}`, or an env SecretRef), the gateway container's
 * environment, the compose `.env`, or OpenClaw's own dotenv files in its
 * state directory. Read afresh each time it is asked; never logged.
 */
import { join } from "../lib/path.ts";
import { lenient } from "../lib/untrusted.ts";
import * as z from "../lib/zod/zod.js";
import { containerEnvValue } from "../compose/container.ts";
import { envValue } from "../lib/dotenv.ts";
import { readTextIfExists } from "../lib/files.ts";
import { type Found, found } from "./found.ts";

/** The variable OpenClaw's gateway and CLI take the shared token from. */
export const GATEWAY_TOKEN_VARIABLE = "OPENCLAW_GATEWAY_TOKEN";

/** gateway.auth.token: a literal, `${VAR}`, or a SecretRef naming an environment variable. */
const TokenInput = z.union([
  z.string(),
  z.pipe(
    z.object({ source: z.literal("env"), id: z.string() }),
    z.transform((ref: { source: "env"; id: string }) => `\${${ref.id}}`),
  ),
]);

/** The part of openclaw.json this tool reads: the gateway's port and shared token. */
const OpenClawJson = z.object({
  gateway: lenient(z.object({
    port: lenient(z.number()),
    auth: lenient(z.object({ token: lenient(TokenInput) })),
  })),
});

/** What openclaw.json says of the gateway: its port, and its token (a `${VAR}` reference stays one). */
export async function openclawJson(
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

/** Where the token may be, as far as a target knows. */
export interface TokenSources {
  /** --openclaw-gateway-token, with where it was set. */
  setting?: Found<string>;
  /** The agent's own environment. */
  env: Record<string, string | undefined>;
  /** OpenClaw's state directory on this host. */
  stateDir?: string;
  /** The gateway container's environment (docker inspect). */
  containerEnv?: string[];
  /** The compose `.env`. */
  envFile?: string;
}

/** One place that may give variables: a name for people and a lookup. */
interface VariableSource {
  from: string;
  get(key: string): string | undefined;
}

/** A dotenv file as a variable source; nothing when it cannot be read. */
async function dotenvSource(path: string): Promise<VariableSource> {
  const text = await readTextIfExists(path).catch(() => undefined);
  return {
    from: path,
    get: (key) => text === undefined ? undefined : envValue(text, key),
  };
}

/** The gateway's shared token and where it came from; undefined when nothing names one. */
export async function gatewayToken(
  s: TokenSources,
): Promise<Found<string> | undefined> {
  if (s.setting) return s.setting;
  const sources: VariableSource[] = [
    { from: "the agent's environment", get: (k) => s.env[k] },
  ];
  if (s.containerEnv) {
    const env = s.containerEnv;
    sources.push({
      from: "the gateway container's environment",
      get: (k) => containerEnvValue(env, k),
    });
  }
  if (s.envFile) sources.push(await dotenvSource(s.envFile));
  if (s.stateDir) {
    sources.push(await dotenvSource(join(s.stateDir, ".env")));
    sources.push(await dotenvSource(join(s.stateDir, "gateway.systemd.env")));
  }
  const lookup = (key: string) => {
    for (const src of sources) {
      const value = src.get(key);
      if (value) return found(value, `${key} in ${src.from}`);
    }
    return undefined;
  };
  const configured = s.stateDir
    ? (await openclawJson(s.stateDir)).token
    : undefined;
  if (configured) {
    const ref = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(configured)?.[1];
    const where = join(s.stateDir!, "openclaw.json");
    if (!ref) return found(configured, `gateway.auth.token in ${where}`);
    const resolved = lookup(ref);
    if (resolved) {
      return found(
        resolved.value,
        `${resolved.from}, as gateway.auth.token in ${where} names it`,
      );
    }
  }
  return lookup(GATEWAY_TOKEN_VARIABLE);
}
