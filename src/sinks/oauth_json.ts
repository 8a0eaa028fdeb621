/** The legacy `oauth.json` of older OpenClaw releases (`anthropic.{access, refresh, expires, scopes}`). */
import { basename, dirname } from "../lib/path.ts";
import { deliveryFailed } from "../lib/errors.ts";
import { exists } from "../lib/files.ts";
import type { Login } from "../login/credentials.ts";
import { storeDatabase } from "./auth_store.ts";
import { type Json, parseObject } from "./json_file.ts";
import type { FileSink, Held } from "./sink.ts";

/** The legacy OpenClaw entry for a login (the classic field mapping). */
export function oauthEntry(login: Login): Json {
  return {
    access: login.accessToken,
    refresh: login.refreshToken,
    expires: login.expiresAt,
    scopes: login.scopes,
  };
}

/** Whether two entries carry the same login (tokens, expiry, scopes). */
function sameLogin(entry: unknown, wanted: Json): boolean {
  if (typeof entry !== "object" || entry === null) return false;
  const e = entry as Json;
  return Object.keys(wanted).every((k) =>
    JSON.stringify(e[k]) === JSON.stringify(wanted[k])
  );
}

/** Merges the login into an oauth.json text, keeping every other provider and field. */
export function renderOauthJson(
  text: string | undefined,
  login: Login,
  path: string,
): string | undefined {
  const doc = parseObject(text, path);
  const wanted = oauthEntry(login);
  if (sameLogin(doc.anthropic, wanted)) return undefined;
  const old = typeof doc.anthropic === "object" && doc.anthropic !== null
    ? doc.anthropic as Json
    : {};
  return JSON.stringify({ ...doc, anthropic: { ...old, ...wanted } }, null, 2) +
    "\n";
}

/** The state directory of a current OpenClaw store next to this oauth.json, if there is one. */
export async function currentStoreBeside(
  path: string,
): Promise<string | undefined> {
  const dir = dirname(path);
  if (basename(dir) !== "credentials") return undefined;
  const sqlite = storeDatabase(dirname(dir));
  return await exists(sqlite) ? sqlite : undefined;
}

/** The legacy `oauth.json` sink of older OpenClaw releases. */
export function oauthJsonSink(path: string): FileSink {
  return {
    name: "oauth.json",
    path,
    recreatesGateway: false,
    held(text): Held {
      const entry = parseObject(text, path).anthropic as Json | undefined;
      return {
        accessToken: typeof entry?.access === "string"
          ? entry.access
          : undefined,
        expiresAt: typeof entry?.expires === "number"
          ? entry.expires
          : undefined,
      };
    },
    render(text, login) {
      const next = renderOauthJson(text, login, path);
      return next === undefined ? undefined : { text: next, warnings: [] };
    },
    async preflight() {
      const store = await currentStoreBeside(path);
      if (store) {
        throw deliveryFailed(
          `refusing to write ${path}: ${store} shows a current OpenClaw, which treats a fresh oauth.json as a migration error and stops all model calls; drop --oauth-json and deliver with --openclaw cli`,
        );
      }
    },
  };
}
