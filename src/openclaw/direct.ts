/**
 * The direct route to a current OpenClaw: write the login into its SQLite
 * auth store on this host, then have the running gateway reload and confirm
 * it over its WebSocket API (directly, or from inside its container).
 * Sub-second, against one `paste-token` CLI start of several seconds; used
 * once `paste-token` has created anthropic:manual. Without a way to make the
 * gateway reload, the store is not written: its next request would still
 * carry the old token.
 */
import { messageOf } from "../lib/errors.ts";
import type { Runner } from "../lib/process.ts";
import type { Login } from "../login/credentials.ts";
import { storeDatabase } from "../sinks/auth_store.ts";
import { askGateway, type GatewayReach } from "./gateway_ask.ts";
import { verifyGateway } from "./models_status.ts";
import { writeStoreLogin } from "./sqlite_store.ts";

/** The outcome of the direct route: delivered or already current (both verified, with the server's version), or why it could not be used. */
export type DirectResult =
  | { ok: true; changed: boolean; version?: string }
  | { ok: false; why: string; expected?: boolean };

/** Writes the login into the store and has the gateway reload and confirm it. */
export async function deliverDirect(
  stateDir: string,
  reach: GatewayReach,
  login: Login,
  run: Runner,
): Promise<DirectResult> {
  const database = storeDatabase(stateDir);
  const written = writeStoreLogin(database, login);
  if (written === "no-store") {
    return { ok: false, why: `no store at ${database}` };
  }
  if (written === "no-profile") {
    return {
      ok: false,
      why: "the store has no anthropic:manual yet",
      expected: true,
    };
  }
  try {
    const answer = await askGateway(reach, run, {
      refresh: written === "written",
    });
    const verdict = verifyGateway(answer.status, login);
    return verdict.ok
      ? { ok: true, changed: written === "written", version: answer.version }
      : {
        ok: false,
        why:
          `the gateway does not show the token in effect (it uses ${verdict.instead})`,
      };
  } catch (err) {
    return { ok: false, why: messageOf(err) };
  }
}
