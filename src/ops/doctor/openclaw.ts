/**
 * Doctor: per target, what was found of its OpenClaw and where (or where it
 * looked), the delivery route and why, whether the fast direct route is open
 * (and else which setting opens it), whether the `.env` reaches the gateway's
 * container, and a native OpenClaw beside a configured compose target.
 */
import { envReachOf } from "../../compose/resolved.ts";
import {
  cliShown,
  type RouteDecision,
  routeFor,
} from "../../openclaw/route_for.ts";
import { isComposeTarget } from "../../openclaw/discovery.ts";
import { shown } from "../../openclaw/found.ts";
import { describeGateway } from "../../openclaw/gateway_ask.ts";
import { findNativeState } from "../../openclaw/native.ts";
import { storeDatabase } from "../../sinks/auth_store.ts";
import type { Target } from "../../config/settings.ts";
import type { Runner } from "../../lib/process.ts";
import {
  type DoctorContext,
  type Finding,
  finding,
  perTarget,
} from "./check.ts";

/** What discovery found, or where it looked. */
function foundFindings(route: RouteDecision): Finding[] {
  const d = route.discovery;
  if (!d) return [];
  const findings: Finding[] = [];
  if (d.stateDir) {
    findings.push(finding(
      "openclaw",
      "ok",
      `found a ${d.kind} OpenClaw${
        d.version ? ` ${shown(d.version)}` : ""
      }: state directory ${shown(d.stateDir)}${
        d.container ? `, container ${d.container.id.slice(0, 12)}` : ""
      }, CLI ${cliShown(route)}`,
    ));
  } else {
    findings.push(finding(
      "openclaw",
      route.route === "cli" ? "warn" : "ok",
      `no OpenClaw state directory found on this host (looked at: ${
        d.looked.join("; ") || "nothing"
      })`,
    ));
  }
  for (const note of d.notes) findings.push(finding("openclaw", "warn", note));
  if (route.route !== "cli") return findings;
  findings.push(
    d.closed
      ? finding(
        "openclaw",
        "warn",
        `direct route closed: every delivery costs OpenClaw CLI start-ups of several seconds`,
        d.closed,
      )
      : finding(
        "openclaw",
        "ok",
        `direct route open: ${storeDatabase(d.stateDir!.value)}, ${
          describeGateway(d.reach)
        }`,
      ),
  );
  return findings;
}

/** Whether the `.env` reaches the gateway's container: a failure where the route relies on it. */
async function envFindings(
  t: Target["settings"],
  route: RouteDecision,
  run: Runner,
): Promise<Finding[]> {
  if (!t.envFile || !isComposeTarget(t)) return [];
  const relies = route.route === "env-only" || route.route === "legacy";
  const reach = await envReachOf(run, { ...t, envFile: t.envFile });
  const what = `${t.envFile} → ${t.service}`;
  if (reach.reaches === true) {
    return [
      finding(
        "env reach",
        "ok",
        `${what}: ${t.envKey} reaches it ${reach.how}`,
      ),
    ];
  }
  if (reach.reaches === false) {
    return [
      relies
        ? finding(
          "env reach",
          "fail",
          `${what}: ${t.envKey} does not reach the container (neither env_file nor its environment carries it), so the ${route.route} route cannot deliver and the tool does not recreate it`,
          reach.fix,
        )
        : finding(
          "env reach",
          "ok",
          `${what}: ${t.envKey} does not reach the container; not needed, the ${route.route} route delivers to OpenClaw's store (should you need it: ${reach.fix})`,
        ),
    ];
  }
  return relies
    ? [
      finding(
        "env reach",
        "warn",
        `${what}: cannot tell whether ${t.envKey} reaches the container: ${reach.why}`,
      ),
    ]
    : [];
}

/** A native OpenClaw beside a configured compose target: delivered to as configured, named here. */
async function otherFindings(
  t: Target["settings"],
  route: RouteDecision,
  ctx: DoctorContext,
): Promise<Finding[]> {
  if (!isComposeTarget(t)) return [];
  const native = await findNativeState({
    env: Deno.env.toObject(),
    uid: Deno.uid(),
    credentials: ctx.global.credentials,
  });
  if (
    !native.stateDir ||
    native.stateDir.value === route.discovery?.stateDir?.value
  ) {
    return [];
  }
  return [finding(
    "openclaw",
    "warn",
    `a native OpenClaw is also on this host (${
      shown(native.stateDir)
    }); this target delivers to the compose gateway as configured`,
    "if the native one should get the token, give it a target of its own (targets.d/NAME.env with SYNC_OAUTH_TOKEN_OPENCLAW_STATE)",
  )];
}

/** The delivery route, what was found, whether the direct route is open and the `.env` reaches the gateway. */
export const openclawCheck = perTarget(
  "openclaw",
  async (target, ctx) => {
    const t = target.settings;
    const route = await routeFor(t, {
      run: ctx.run,
      openclaw: {
        origins: target.origins,
        learned: ctx.state?.targets?.[t.name]?.openclaw,
      },
    });
    const unsure = /cannot ask|did not answer/.test(route.why);
    return [
      finding(
        "openclaw",
        unsure ? "warn" : "ok",
        `delivery route ${route.route}: ${route.why}`,
        unsure
          ? "start the gateway, or set --openclaw to the route you want"
          : undefined,
      ),
      ...foundFindings(route),
      ...await envFindings(t, route, ctx.run),
      ...await otherFindings(t, route, ctx),
    ];
  },
);
