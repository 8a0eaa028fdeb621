/**
 * The direct route to a current OpenClaw: write the login into its SQLite
 * auth store, then make the running gateway reload and confirm it over its
 * WebSocket API. Sub-second, against one `paste-token` CLI start of several
 * seconds; used once `paste-token` has created anthropic:manual.
 */
import type { Login } from "../login/credentials.ts";
import { storeDatabase } from "../sinks/auth_store.ts";
import type { GatewayAccess } from "./discover.ts";
import { connectGateway } from "./gateway.ts";
import { gatewayUsesLogin } from "./models_status.ts";
import { writeStoreLogin } from "./sqlite_store.ts";

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
  const written = writeStoreLogin(storeDatabase(stateDir), login);
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
