/** Doctor: per target, the delivery route to OpenClaw and why; for a current OpenClaw, whether the fast direct route is open. */
import { exists } from "../../lib/files.ts";
import { routeFor } from "../../openclaw/deliver.ts";
import { gatewayAccess } from "../../openclaw/discover.ts";
import { storeDatabase } from "../../sinks/auth_store.ts";
import { finding, perTarget } from "./check.ts";

/** The delivery route and whether the direct route is open. */
export const openclawCheck = perTarget(
  "openclaw",
  async ({ settings: t }, { run }) => {
    const route = await routeFor(t, { run });
    const unsure = /cannot ask|did not answer/.test(route.why);
    const findings = [
      finding(
        "openclaw",
        unsure ? "warn" : "ok",
        `delivery route ${route.route}: ${route.why}`,
        unsure
          ? "start the gateway, or set --openclaw to the route you want"
          : undefined,
      ),
    ];
    if (route.route !== "cli") return findings;
    const access = await gatewayAccess(t);
    const database = t.openclawState && storeDatabase(t.openclawState);
    const stored = database && await exists(database);
    findings.push(
      access && stored
        ? finding(
          "openclaw",
          "ok",
          `direct route open: ${database}, gateway ${access.url}`,
        )
        : finding(
          "openclaw",
          "warn",
          `direct route closed (${
            !t.openclawState
              ? "no --openclaw-state"
              : !stored
              ? `no ${database}`
              : "no gateway token"
          }): every delivery costs OpenClaw CLI start-ups of several seconds`,
          "set --openclaw-state to OpenClaw's state directory and make OPENCLAW_GATEWAY_TOKEN known",
        ),
    );
    return findings;
  },
);
