/** Delivery to a current OpenClaw: choose the route, deliver directly or through its CLI, make the token win, verify. */
import type { ComposeConfig } from "../compose/project.ts";
import { deliveryFailed, messageOf } from "../lib/errors.ts";
import { fingerprint } from "../lib/fingerprint.ts";
import type { Logger } from "../lib/log.ts";
import type { Runner } from "../lib/process.ts";
import type { Login } from "../login/credentials.ts";
import { MANUAL_PROFILE, storeDatabase } from "../sinks/auth_store.ts";
import {
  modelsStatus,
  type OpenClawCli,
  pasteToken,
  probeCli,
  resolveCli,
  setOrder,
} from "./cli.ts";
import {
  anthropicView,
  orderWithManualFirst,
  type Verdict,
  verify,
} from "./models_status.ts";
import { deliverDirect, type DirectResult } from "./direct.ts";
import { gatewayAccess, type OpenClawSettings, storeKind } from "./discover.ts";
import { chooseRoute, type RouteChoice, type RouteSetting } from "./route.ts";

/** Everything a target says about its OpenClaw and its compose project. */
export type OpenClawTarget = OpenClawSettings & ComposeConfig & {
  openclaw: RouteSetting;
  openclawCli?: string;
  oauthJson?: string;
};

/** What a process remembers between passes: the route per configuration and the token last verified in use. */
export interface OpenClawMemo {
  key?: string;
  choice?: RouteChoice;
  cli?: OpenClawCli;
  verified?: string;
}

/** The edges an OpenClaw delivery touches. */
export interface OpenClawDeps {
  run: Runner;
  log: Logger;
  openclaw?: OpenClawMemo;
}

/** A route as decided for a pass: the CLI for the CLI route, and whether it was decided just now. */
export type RouteDecision = RouteChoice & { cli?: OpenClawCli; fresh: boolean };

/** The route of this configuration and, for the CLI route, the CLI; asks the gateway once while it answers. */
export async function routeFor(
  config: OpenClawTarget,
  deps: Pick<OpenClawDeps, "run" | "openclaw">,
): Promise<RouteDecision> {
  const setting = config.openclaw;
  if (setting !== "auto" && setting !== "cli") {
    return { ...chooseRoute(setting, undefined, config), fresh: false };
  }
  // A route the gateway answered for is remembered: later passes neither ask
  // again nor look at the state directory.
  const memo = deps.openclaw ?? {};
  const key = JSON.stringify([
    setting,
    config.openclawCli,
    config.composeDir,
    config.composeFile,
    config.composeProject,
    config.service,
    config.oauthJson,
    config.openclawState,
  ]);
  if (memo.key === key && memo.choice) {
    return { ...memo.choice, cli: memo.cli, fresh: false };
  }
  const store = await storeKind(config.openclawState);
  if (
    setting === "auto" && !config.openclawCli && !config.composeDir &&
    store !== "sqlite"
  ) {
    return { ...chooseRoute(setting, undefined, config, store), fresh: false };
  }
  const cli = await resolveCli(config, deps.run);
  const probe = setting === "auto" ? await probeCli(cli, deps.run) : undefined;
  const choice = chooseRoute(setting, probe, config, store);
  const forRoute = choice.route === "cli" ? cli : undefined;
  if (probe?.kind !== "unreachable") {
    Object.assign(memo, { key, choice, cli: forRoute, verified: undefined });
  }
  return { ...choice, cli: forRoute, fresh: true };
}

/** Reads what OpenClaw uses and compares it with the login. */
async function check(
  cli: OpenClawCli,
  run: Runner,
  login: Login,
) {
  const view = anthropicView(await modelsStatus(cli, run));
  return { view, verdict: verify(view, login) as Verdict };
}

/** Delivers the login to a current OpenClaw (directly when it can, else through its CLI) and verifies it is in use; returns where it changed, if anywhere. */
export async function deliverToOpenClaw(
  config: OpenClawTarget,
  cli: OpenClawCli,
  login: Login,
  deps: OpenClawDeps,
  dryRun: boolean,
): Promise<string | undefined> {
  const memo = deps.openclaw ?? {};
  const token = fingerprint(login.accessToken);
  const where = { sink: "openclaw", path: cli.prefix.join(" ") };
  if (memo.verified === token) {
    deps.log.debug("already current", where);
    return undefined;
  }
  const access = await gatewayAccess(config);
  let profileMissing = false;
  if (access && config.openclawState && !dryRun) {
    const direct = await deliverDirect(config.openclawState, access, login)
      .catch((err): DirectResult => ({ ok: false, why: messageOf(err) }));
    if (direct.ok) {
      memo.verified = token;
      const path = storeDatabase(config.openclawState);
      if (!direct.changed) return undefined;
      deps.log.info("updated, verified in use", {
        sink: "openclaw",
        path,
        to: token,
        expiresAt: login.expiresAt,
      });
      return path;
    }
    profileMissing = direct.expected === true;
    deps.log[direct.expected ? "debug" : "warn"](
      `direct route unavailable: ${direct.why}; using the CLI`,
      where,
    );
  }
  if (memo.verified === undefined && !profileMissing) {
    const before = await check(cli, deps.run, login).catch(() => undefined);
    if (before?.verdict.ok) {
      memo.verified = token;
      deps.log.debug("already uses the current token (verified)", where);
      return undefined;
    }
  }
  if (dryRun) {
    deps.log.info("would paste-token", { ...where, to: token });
    return where.path;
  }
  const notReloaded = await pasteToken(cli, deps.run, login, Date.now());
  if (notReloaded) deps.log.warn(`OpenClaw: ${notReloaded}`, where);
  let { view, verdict } = await check(cli, deps.run, login);
  if (!verdict.ok && verdict.manualHeld) {
    await setOrder(cli, deps.run, orderWithManualFirst(view));
    ({ view, verdict } = await check(cli, deps.run, login));
  }
  if (!verdict.ok) {
    throw deliveryFailed(
      `OpenClaw stored ${token} as ${MANUAL_PROFILE} but uses ${verdict.instead}`,
    );
  }
  memo.verified = token;
  deps.log.info("updated, verified in use", {
    ...where,
    to: token,
    expiresAt: login.expiresAt,
  });
  for (const p of view.profiles.filter((p) => p.type === "oauth")) {
    deps.log.warn(
      `OpenClaw also holds OAuth profile ${p.profileId}, which it would refresh itself (racing Claude Code) should ${MANUAL_PROFILE} ever expire; remove it with \`openclaw models auth logout ${p.profileId} --yes\``,
      where,
    );
  }
  return where.path;
}
