import { join } from "node:path";
import type { Login } from "../credentials.ts";
import { MANUAL_PROFILE } from "../openclaw/models_status.ts";
import type { FileSink, Held } from "./sink.ts";
import { parseObject } from "./oauth_json.ts";

type Json = Record<string, unknown>;

/** The auth-profiles.json of an older OpenClaw's main agent under its state directory. */
export function authProfilesPath(stateDir: string): string {
  return join(stateDir, "agents", "main", "agent", "auth-profiles.json");
}

/** The token profile that carries the login: the shape `paste-token` writes. */
function manualProfile(login: Login): Json {
  return {
    type: "token",
    provider: "anthropic",
    token: login.accessToken,
    expires: login.expiresAt,
  };
}

/** The Anthropic profile order with anthropic:manual first, keeping the others in their order. */
function manualFirst(doc: Json): string[] {
  const order = (doc.order as Json | undefined)?.anthropic;
  const ids = Array.isArray(order)
    ? order.filter((id): id is string => typeof id === "string")
    : Object.entries((doc.profiles ?? {}) as Json)
      .filter(([, p]) => (p as Json | null)?.provider === "anthropic")
      .map(([id]) => id);
  return [MANUAL_PROFILE, ...ids.filter((id) => id !== MANUAL_PROFILE)];
}

/** Puts the login into an auth-profiles.json text as anthropic:manual, first in the order, keeping everything else. */
export function renderAuthProfiles(
  text: string | undefined,
  login: Login,
  path: string,
): string | undefined {
  const doc = parseObject(text, path);
  const profiles = (doc.profiles ?? {}) as Json;
  const order = manualFirst(doc);
  const wanted = manualProfile(login);
  const held = profiles[MANUAL_PROFILE] as Json | undefined;
  const current = (doc.order as Json | undefined)?.anthropic;
  if (
    held && Object.keys(wanted).every((k) => held[k] === wanted[k]) &&
    JSON.stringify(current) === JSON.stringify(order)
  ) return undefined;
  return JSON.stringify(
    {
      version: 1,
      ...doc,
      profiles: { ...profiles, [MANUAL_PROFILE]: { ...held, ...wanted } },
      order: { ...(doc.order as Json | undefined), anthropic: order },
    },
    null,
    2,
  ) + "\n";
}

/** The auth-profiles.json sink of older OpenClaw releases, which re-read it on every request. */
export function authProfilesSink(stateDir: string): FileSink {
  const path = authProfilesPath(stateDir);
  return {
    name: "auth-profiles",
    path,
    recreatesGateway: false,
    held(text): Held {
      const p = (parseObject(text, path).profiles as Json | undefined)
        ?.[MANUAL_PROFILE] as Json | undefined;
      return {
        accessToken: typeof p?.token === "string" ? p.token : undefined,
        expiresAt: typeof p?.expires === "number" ? p.expires : undefined,
      };
    },
    render(text, login) {
      const next = renderAuthProfiles(text, login, path);
      return next === undefined ? undefined : { text: next, warnings: [] };
    },
    lock: { path: `${path}.lock`, staleMs: 30_000 },
  };
}
