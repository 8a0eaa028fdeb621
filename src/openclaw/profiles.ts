/** OpenClaw's auth store documents (SQLite value or auth-profiles.json): the token profile that carries the login. */
import type { Login } from "../credentials.ts";

/** The profile id that `models auth paste-token --provider anthropic` creates. */
export const MANUAL_PROFILE = "anthropic:manual";

type Json = Record<string, unknown>;

/** How far OpenClaw's stored expiry may drift from ours (`paste-token` counts from its own start-up). */
const EXPIRY_TOLERANCE_MS = 5 * 60_000;

/** Whether an expiry OpenClaw stored or shows is the login's, within that drift. */
export function sameExpiry(at: unknown, login: Login): boolean {
  return typeof at === "number" &&
    Math.abs(at - login.expiresAt) <= EXPIRY_TOLERANCE_MS;
}

/** The token profile for a login, in the shape `paste-token` stores. */
export function manualProfile(login: Login): Json {
  return {
    type: "token",
    provider: "anthropic",
    token: login.accessToken,
    expires: login.expiresAt,
  };
}

/** The stored Anthropic order with anthropic:manual first (all Anthropic profiles when none is stored). */
function manualFirst(doc: Json): string[] {
  const order = (doc.order as Json | undefined)?.anthropic;
  const ids = Array.isArray(order)
    ? order.filter((id): id is string => typeof id === "string")
    : Object.entries((doc.profiles ?? {}) as Json)
      .filter(([, p]) => (p as Json | null)?.provider === "anthropic")
      .map(([id]) => id);
  return [MANUAL_PROFILE, ...ids.filter((id) => id !== MANUAL_PROFILE)];
}

/** The token anthropic:manual holds in a store document, and its expiry. */
export function heldManual(
  doc: Json,
): { accessToken?: string; expiresAt?: number } {
  const p = (doc.profiles as Json | undefined)?.[MANUAL_PROFILE] as
    | Json
    | undefined;
  return {
    accessToken: typeof p?.token === "string" ? p.token : undefined,
    expiresAt: typeof p?.expires === "number" ? p.expires : undefined,
  };
}

/** The store with the login in anthropic:manual (and, with `order`, first in the Anthropic order), keeping everything else; undefined when it already is (an expiry `paste-token` stored counts within the tolerance). */
export function storeWithLogin(
  doc: Json,
  login: Login,
  options: { order: boolean },
): Json | undefined {
  const profiles = (doc.profiles ?? {}) as Json;
  const held = profiles[MANUAL_PROFILE] as Json | undefined;
  const wanted = manualProfile(login);
  const order = options.order ? manualFirst(doc) : undefined;
  const orderHeld = !order ||
    JSON.stringify((doc.order as Json | undefined)?.anthropic) ===
      JSON.stringify(order);
  const same = (k: string) =>
    k === "expires"
      ? sameExpiry(held?.expires, login)
      : held?.[k] === wanted[k];
  if (held && Object.keys(wanted).every(same) && orderHeld) return undefined;
  return {
    version: 1,
    ...doc,
    profiles: { ...profiles, [MANUAL_PROFILE]: { ...held, ...wanted } },
    ...(order
      ? { order: { ...(doc.order as Json | undefined), anthropic: order } }
      : {}),
  };
}
