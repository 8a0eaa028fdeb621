/**
 * OpenClaw's auth store document, the same in its SQLite store (current
 * releases) and in auth-profiles.json (older ones): the token profile that
 * carries the login, and where each store lives under the state directory.
 */
import { join } from "../lib/path.ts";
import { lenient } from "../lib/untrusted.ts";
import * as z from "../lib/zod/zod.js";
import type { Login } from "../login/credentials.ts";
import type { Json } from "./json_file.ts";

/** The auth store database of a current OpenClaw under its state directory. */
export function storeDatabase(stateDir: string): string {
  return join(stateDir, "state", "openclaw.sqlite");
}

/** The auth-profiles.json of an older OpenClaw's main agent under its state directory. */
export function authProfilesPath(stateDir: string): string {
  return join(stateDir, "agents", "main", "agent", "auth-profiles.json");
}

/** The profile id that `models auth paste-token --provider anthropic` creates. */
export const MANUAL_PROFILE = "anthropic:manual";

/** The parts of a store document this tool reads; a malformed part reads as absent. Writes start from the document itself, so nothing it holds is lost. */
const StoreDocument = z.object({
  profiles: z.catch(
    z.record(
      z.string(),
      z.catch(
        z.object({
          provider: lenient(z.string()),
          token: lenient(z.string()),
          expires: lenient(z.number()),
        }),
        {},
      ),
    ),
    {},
  ),
  order: lenient(z.object({ anthropic: lenient(z.array(z.string())) })),
});

/** What this tool reads of a store document. */
function read(doc: Json) {
  return StoreDocument.parse(doc);
}

/** A part of the document as it is, when it is a JSON object. */
function objectAt(doc: Json, key: string): Json {
  const value = doc[key];
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Json
    : {};
}

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
function manualFirst(doc: ReturnType<typeof read>): string[] {
  const ids = doc.order?.anthropic ??
    Object.entries(doc.profiles)
      .filter(([, p]) => p.provider === "anthropic")
      .map(([id]) => id);
  return [MANUAL_PROFILE, ...ids.filter((id) => id !== MANUAL_PROFILE)];
}

/** The token anthropic:manual holds in a store document, and its expiry. */
export function heldManual(
  doc: Json,
): { accessToken?: string; expiresAt?: number } {
  const p = read(doc).profiles[MANUAL_PROFILE];
  return { accessToken: p?.token, expiresAt: p?.expires };
}

/** Whether the document has an anthropic:manual profile (only `paste-token` creates it, with its order and config entry). */
export function hasManual(doc: Json): boolean {
  return read(doc).profiles[MANUAL_PROFILE] !== undefined;
}

/** The store with the login in anthropic:manual (and, with `order`, first in the Anthropic order), keeping everything else; undefined when it already is (an expiry `paste-token` stored counts within the tolerance). */
export function storeWithLogin(
  doc: Json,
  login: Login,
  options: { order: boolean },
): Json | undefined {
  const known = read(doc);
  const profiles = objectAt(doc, "profiles");
  const held = profiles[MANUAL_PROFILE] as Json | undefined;
  const wanted = manualProfile(login);
  const order = options.order ? manualFirst(known) : undefined;
  const orderHeld = !order ||
    JSON.stringify(known.order?.anthropic) === JSON.stringify(order);
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
      ? { order: { ...objectAt(doc, "order"), anthropic: order } }
      : {}),
  };
}
