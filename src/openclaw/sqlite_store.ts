/** The current OpenClaw auth store: the `authProfiles.store` row of `<state>/state/openclaw.sqlite`. */
import { DatabaseSync } from "node:sqlite";
import { jsonOf } from "../lib/untrusted.ts";
import type { Login } from "../login/credentials.ts";
import { hasManual, heldManual, storeWithLogin } from "../sinks/auth_store.ts";

const SELECT =
  "select value_json from config_machine_state where state_key = 'authProfiles.store'";
const UPDATE =
  "update config_machine_state set value_json = ?, updated_at_ms = ? where state_key = 'authProfiles.store'";

/** Whether the store's database exists as a file: opening a missing one would create it, so only an existing store is opened. */
function isStore(database: string): boolean {
  try {
    return Deno.statSync(database).isFile;
  } catch {
    return false;
  }
}

/** What writing the store did: wrote the login, found it there already, found no anthropic:manual to update, or found no store. */
export type StoreWrite = "written" | "current" | "no-profile" | "no-store";

/**
 * Puts the login into the existing anthropic:manual profile in one
 * transaction, waiting for OpenClaw's own writers; the profile itself (and
 * its place in OpenClaw's config and order) is only ever created by
 * `paste-token`.
 */
export function writeStoreLogin(
  database: string,
  login: Login,
): StoreWrite {
  if (!isStore(database)) return "no-store";
  const db = new DatabaseSync(database);
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("BEGIN IMMEDIATE");
    try {
      const row = db.prepare(SELECT).get() as
        | { value_json: string }
        | undefined;
      const doc = row ? JSON.parse(row.value_json) : undefined;
      if (typeof doc !== "object" || doc === null || !hasManual(doc)) {
        db.exec("ROLLBACK");
        return "no-profile";
      }
      const next = storeWithLogin(doc, login, { order: false });
      if (next) db.prepare(UPDATE).run(JSON.stringify(next), Date.now());
      db.exec("COMMIT");
      return next ? "written" : "current";
    } catch (err) {
      db.exec("ROLLBACK");
      throw err;
    }
  } finally {
    db.close();
  }
}

/** The one row a query finds in an existing store, read without writing; undefined when there is none or the store cannot be read. */
function readRow<T>(database: string, sql: string): T | undefined {
  if (!isStore(database)) return undefined;
  try {
    const db = new DatabaseSync(database, { readOnly: true });
    try {
      return db.prepare(sql).get() as T | undefined;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

/** The OpenClaw version that last migrated the store (its `schema_meta`), read without writing; undefined when it cannot be read. */
export function storeVersion(database: string): string | undefined {
  const row = readRow<{ app_version?: unknown }>(
    database,
    "select app_version from schema_meta where meta_key = 'primary'",
  );
  return typeof row?.app_version === "string" ? row.app_version : undefined;
}

/** The token anthropic:manual holds in the store, read without writing; undefined when there is none or the store cannot be read. */
export function storeToken(database: string): string | undefined {
  const row = readRow<{ value_json: string }>(database, SELECT);
  const doc = row ? jsonOf(row.value_json) : undefined;
  return typeof doc === "object" && doc !== null
    ? heldManual(doc as Record<string, unknown>).accessToken
    : undefined;
}
