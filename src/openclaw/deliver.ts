/**
 * Delivery to OpenClaw: find it (src/openclaw/discover.ts), choose the
 * route, then deliver directly to its store when the running gateway can be
 * made to reload, else through its CLI; make the token win and verify it is
 * in use. What a process learns is kept in a memo per target: later passes
 * ask nothing again until the gateway's container or version changes.
 */
import { deliveryFailed, messageOf } from "../lib/errors.ts";
import { fingerprint } from "../lib/fingerprint.ts";
import type { Fields, Logger } from "../lib/log.ts";
import type { Runner } from "../lib/process.ts";
import type { Login } from "../login/credentials.ts";
import { MANUAL_PROFILE, storeDatabase } from "../sinks/auth_store.ts";
import {
  modelsStatus,
  type OpenClawCli,
  pasteThrough,
  pasteToken,
  probeCandidates,
  setOrder,
} from "./cli.ts";
import { deliverDirect } from "./direct.ts";
import { storeToken } from "./sqlite_store.ts";
import { discover, type DiscoverInput, type Discovery } from "./discover.ts";
import { shown } from "./found.ts";
import { askGateway, describeReach } from "./gateway_ask.ts";
import type { Learned } from "./learned.ts";
import {
  type AnthropicView,
  anthropicView,
  gatewayView,
  orderWithManualFirst,
  type Verdict,
  verify,
  verifyGateway,
} from "./models_status.ts";
import {
  chooseRoute,
  type RouteChoice,
  routeOfStore,
  type RouteSetting,
} from "./route.ts";

/** Everything a target says about its OpenClaw and its compose project. */
export type OpenClawTarget = DiscoverInput & {
  openclaw: RouteSetting;
  oauthJson?: string;
};

/** What a process remembers of a target's OpenClaw between passes. */
export interface OpenClawMemo {
  key?: string;
  discovery?: Discovery;
  choice?: RouteChoice;
  /** The CLI that answered (a probe or a paste), for the discovery's container. */
  cli?: OpenClawCli;
  /** The fingerprint of the token last verified in use. */
  verified?: string;
  /** The version the gateway last reported. */
  version?: string;
  /** Whether the log has said how the first delivery goes, named OAuth profiles, said that the `.env` does not reach the gateway. */
  said?: { paste?: boolean; oauth?: boolean; env?: boolean };
  /** The `.env` found to reach its gateway's container (or whose project cannot tell), not asked again. */
  envReach?: string;
  /** Where each configured value came from (given by the caller). */
  origins?: Record<string, string>;
  /** What an earlier run learned (given by the caller, from the state file). */
  learned?: Learned;
}

/** The edges an OpenClaw delivery touches. */
export interface OpenClawDeps {
  run: Runner;
  log: Logger;
  openclaw?: OpenClawMemo;
  /** The agent's environment and user (default: this process's). */
  env?: Record<string, string | undefined>;
  uid?: number | null;
}

/** A route as decided for a pass: what discovery found, the target with the state directory it found, the CLI, and whether it was decided just now. */
export type RouteDecision<T extends OpenClawTarget = OpenClawTarget> =
  & RouteChoice
  & {
    fresh: boolean;
    discovery?: Discovery;
    /** The target with discovered values in place, for its sinks and the delivery. */
    settings: T;
    /** For the CLI route: the CLI that answered, else the first to try. */
    cli?: OpenClawCli;
    /** Whether `cli` answered (or was configured) rather than being the first to try. */
    cliAnswered: boolean;
  };

/** The memo's key: the settings a route depends on. */
function memoKey(config: OpenClawTarget): string {
  return JSON.stringify([
    config.openclaw,
    config.openclawCli,
    config.composeDir,
    config.composeFile,
    config.composeProject,
    config.service,
    config.oauthJson,
    config.openclawState,
    config.openclawGateway,
    config.envFile,
  ]);
}

/** The target with the state directory discovery found. */
function withFound<T extends OpenClawTarget>(
  config: T,
  discovery: Discovery | undefined,
): T {
  const stateDir = discovery?.stateDir?.value;
  return stateDir ? { ...config, openclawState: stateDir } : config;
}

/** The decision from what the memo holds. */
function decision<T extends OpenClawTarget>(
  config: T,
  memo: OpenClawMemo,
  choice: RouteChoice,
  fresh: boolean,
): RouteDecision<T> {
  return {
    ...choice,
    fresh,
    discovery: memo.discovery,
    settings: withFound(config, memo.discovery),
    cli: choice.route === "cli"
      ? memo.cli ?? memo.discovery?.cli[0]
      : undefined,
    cliAnswered: memo.cli !== undefined || memo.discovery?.cli.length === 1,
  };
}

/** The CLI an earlier run found, when discovery offers it again for the same container. */
function learnedCli(
  discovery: Discovery,
  learned: Learned | undefined,
): OpenClawCli | undefined {
  if (!learned?.cli || learned.container !== discovery.container?.id) {
    return undefined;
  }
  const prefix = JSON.stringify(learned.cli);
  return discovery.cli.find((c) => JSON.stringify(c.prefix) === prefix);
}

/** The route an earlier run chose by asking the CLI, while the container (and the store's version) are the same: not asked again. */
function learnedChoice(
  discovery: Discovery,
  learned: Learned | undefined,
): RouteChoice | undefined {
  if (!learned?.route || !learned.why) return undefined;
  if (learned.container !== discovery.container?.id) return undefined;
  const version = discovery.version?.value;
  if (version && learned.version && version !== learned.version) {
    return undefined;
  }
  return { route: learned.route, why: `${learned.why} (as found before)` };
}

/**
 * The route of this target: a fixed --openclaw route, else what the store
 * on disk says, else what the CLI says (each candidate in turn). Decided
 * once per process while the gateway answers.
 */
export async function routeFor<T extends OpenClawTarget>(
  config: T,
  deps: Pick<OpenClawDeps, "run" | "openclaw" | "env" | "uid">,
): Promise<RouteDecision<T>> {
  const memo = deps.openclaw ?? {};
  const key = memoKey(config);
  if (memo.key === key && memo.choice) {
    return decision(config, memo, memo.choice, false);
  }
  const setting = config.openclaw;
  if (setting === "env-only" || setting === "legacy") {
    return {
      ...chooseRoute(setting, undefined, config),
      fresh: false,
      settings: config,
      cliAnswered: false,
    };
  }
  // What an earlier run learned counts for the same settings only.
  const learned = memo.learned?.key === key ? memo.learned : undefined;
  const discovery = await discover(config, {
    run: deps.run,
    env: deps.env ?? Deno.env.toObject(),
    uid: deps.uid === undefined ? Deno.uid() : deps.uid,
    origins: memo.origins,
    container: learned?.container,
    compose: learned?.compose,
  });
  if (memo.discovery?.container?.id !== discovery.container?.id) {
    memo.cli = undefined;
  }
  memo.discovery = discovery;
  memo.cli ??= learnedCli(discovery, learned);
  if (learned?.verified && learned.container === discovery.container?.id) {
    memo.verified ??= learned.verified;
  }
  let choice = setting === "auto"
    ? routeOfStore(discovery.store, discovery.stateDir) ??
      learnedChoice(discovery, learned)
    : chooseRoute(setting, undefined, config);
  let reachable = true;
  if (!choice) {
    const asked = await probeCandidates(
      discovery.cli,
      deps.run,
      discovery.moreCli,
    );
    memo.cli = asked.cli;
    reachable = asked.probe.kind !== "unreachable";
    choice = chooseRoute("auto", asked.probe, {
      oauthJson: config.oauthJson,
      openclawState: config.openclawState,
      foundState: discovery.stateDir?.value,
    }, discovery.store);
  }
  // A current OpenClaw whose container is not running yet is looked for
  // again next pass: once it runs, the direct route may open.
  const waiting = choice.route === "cli" && discovery.kind === "compose" &&
    !discovery.container;
  if (reachable && !waiting) Object.assign(memo, { key, choice });
  return decision(config, memo, choice, true);
}

/** The fields of the route's log line: where each part was found, and whether the direct route is open. */
export function routeFields(d: RouteDecision): Fields {
  const found = d.discovery;
  if (!found) return { route: d.route, why: d.why };
  return {
    route: d.route,
    why: d.why,
    ...(found.version ? { version: shown(found.version) } : {}),
    ...(found.stateDir ? { state: shown(found.stateDir) } : {}),
    ...(d.route === "cli"
      ? {
        direct: found.closed
          ? `closed: ${found.closed}`
          : `open: gateway ${
            found.reach ? describeReach(found.reach) : "?"
          }, token from ${found.reach?.token.from}`,
        cli: cliShown(d),
      }
      : {}),
  };
}

/** The CLI of the log line: the one that answered (or was configured), else the candidates still to try. */
function cliShown(d: RouteDecision): string {
  if (d.cli && d.cliAnswered) {
    return `${d.cli.prefix.join(" ")}${d.cli.from ? ` (${d.cli.from})` : ""}`;
  }
  const tried = d.discovery?.cli ?? [];
  return tried.length === 0
    ? "none found"
    : `not asked yet; to try: ${
      tried.map((c) => c.prefix.join(" ")).join(" | ")
    }`;
}

/** What a run learned, for the state file. */
export function learnedOf(
  memo: OpenClawMemo,
  at: number,
): Learned | undefined {
  if (!memo.choice) return undefined;
  return {
    at,
    key: memo.key,
    route: memo.choice.route,
    why: memo.choice.why.replace(/ \(as found before\)$/, ""),
    container: memo.discovery?.container?.id,
    compose: memo.discovery?.variant,
    version: memo.version ?? memo.discovery?.version?.value,
    cli: memo.cli?.prefix,
    verified: memo.verified,
  };
}

/** Notes a version the gateway reported: a change forgets the CLI found for the old one. */
function sawVersion(
  memo: OpenClawMemo,
  version: string | undefined,
  log: Logger,
): void {
  if (!version) return;
  if (memo.version && memo.version !== version) {
    log.info("OpenClaw's version changed", {
      from: memo.version,
      to: version,
    });
    memo.cli = undefined;
  }
  memo.version = version;
}

/** What OpenClaw uses, through the gateway when it can be reached, else `models status`. */
async function check(
  memo: OpenClawMemo,
  cli: () => Promise<OpenClawCli>,
  run: Runner,
  login: Login,
  log: Logger,
): Promise<{ view: AnthropicView; verdict: Verdict }> {
  const reach = memo.discovery?.reach;
  if (reach) {
    try {
      const answer = await askGateway(reach, run, { refresh: true });
      sawVersion(memo, answer.version, log);
      return {
        view: gatewayView(answer.status),
        verdict: verifyGateway(answer.status, login),
      };
    } catch (err) {
      log.debug(`cannot ask the gateway (${messageOf(err)}); asking its CLI`);
      // A refusal (a wrong token, no scopes) will not pass next time either.
      if (!GONE.test(messageOf(err)) && memo.discovery) {
        memo.discovery.reach = undefined;
      }
    }
  }
  const view = anthropicView(await modelsStatus(await cli(), run));
  return { view, verdict: verify(view, login) };
}

/**
 * Whether OpenClaw already uses this login, asked once per process before
 * a paste: only where the answer names the token itself. The gateway shows
 * profiles and expiries only, so it is asked when the store on this host
 * holds the very token; else a CLI known to answer is (`models status`
 * shows the token's end). With neither, the answer is no (the paste costs
 * one CLI start-up, a wrong yes would leave OpenClaw on an old token).
 */
async function alreadyInUse(
  memo: OpenClawMemo,
  known: OpenClawCli | undefined,
  login: Login,
  deps: OpenClawDeps,
): Promise<boolean> {
  const d = memo.discovery;
  try {
    if (d?.stateDir && d.store === "sqlite" && d.reach) {
      const held = storeToken(storeDatabase(d.stateDir.value));
      if (held !== login.accessToken) return false;
      const answer = await askGateway(d.reach, deps.run, { refresh: true });
      return verifyGateway(answer.status, login).ok;
    }
    if (!known) return false;
    const view = anthropicView(await modelsStatus(known, deps.run));
    return verify(view, login).ok;
  } catch {
    return false;
  }
}

/** A failure that may pass: the gateway's container went away (recreated, stopped: discovery finds the new one), or the gateway is starting or slow. */
const GONE =
  /No such container|is not running|cannot connect to|UNAVAILABLE|retry shortly|timed out|timeout/i;

/** Delivers straight to the store; returns where it changed, "current", or false when the route is closed (and whether that is only for want of anthropic:manual). */
async function tryDirect(
  memo: OpenClawMemo,
  login: Login,
  deps: OpenClawDeps,
): Promise<{ done: string | false; profileMissing: boolean }> {
  const d = memo.discovery;
  const stateDir = d?.stateDir?.value;
  if (!d?.reach || !stateDir || d.closed) {
    return { done: false, profileMissing: false };
  }
  const direct = await deliverDirect(stateDir, d.reach, login, deps.run)
    .catch((err) => ({ ok: false as const, why: messageOf(err) }));
  if (direct.ok) {
    sawVersion(memo, direct.version, deps.log);
    memo.verified = fingerprint(login.accessToken);
    if (!direct.changed) return { done: "current", profileMissing: false };
    const path = storeDatabase(stateDir);
    deps.log.info("updated, verified in use", {
      sink: "openclaw",
      path,
      to: fingerprint(login.accessToken),
      expiresAt: login.expiresAt,
    });
    return { done: path, profileMissing: false };
  }
  const expected = "expected" in direct && direct.expected === true;
  if (!expected) {
    deps.log.warn(`direct route unavailable: ${direct.why}; using the CLI`, {
      sink: "openclaw",
      path: stateDir,
    });
    if (GONE.test(direct.why)) memo.key = undefined; // found again next pass
    else d.closed = `it failed: ${direct.why}`; // not tried again by this process
  }
  return { done: false, profileMissing: expected };
}

/** Delivers the login to a current OpenClaw (directly when it can, else through its CLI) and verifies it is in use; returns where it changed, if anywhere. */
export async function deliverToOpenClaw(
  config: OpenClawTarget,
  login: Login,
  deps: OpenClawDeps,
  dryRun: boolean,
): Promise<string | undefined> {
  const memo = deps.openclaw ?? {};
  const token = fingerprint(login.accessToken);
  const candidates = memo.discovery?.cli ?? [];
  const shownCli = memo.cli ?? candidates[0];
  const where = {
    sink: "openclaw",
    path: shownCli?.prefix.join(" ") ?? config.service,
  };
  if (memo.verified === token) {
    deps.log.debug("already current", where);
    return undefined;
  }
  const direct = dryRun
    ? { done: false as const, profileMissing: false }
    : await tryDirect(memo, login, deps);
  if (direct.done === "current") return undefined;
  if (direct.done) return direct.done;
  // The CLI to read status or set the order with: the one that answered
  // (the paste finds it), or the only one there is; never a guess among
  // prefixes, which could cost a failed exec each.
  const known = () =>
    memo.cli ?? (candidates.length === 1 ? candidates[0] : undefined);
  const cli = () => {
    const c = known();
    if (!c) {
      throw deliveryFailed(
        candidates.length === 0
          ? "no OpenClaw CLI found (set --openclaw-cli to the command that runs it)"
          : "no OpenClaw CLI has answered yet",
      );
    }
    return Promise.resolve(c);
  };
  if (
    memo.verified === undefined && !direct.profileMissing &&
    await alreadyInUse(memo, known(), login, deps)
  ) {
    memo.verified = token;
    deps.log.debug("already uses the current token (verified)", where);
    return undefined;
  }
  if (dryRun) {
    const d = memo.discovery;
    if (d?.reach && d.stateDir && !d.closed) {
      const path = storeDatabase(d.stateDir.value);
      deps.log.info(
        "would write the store and have the gateway reload (or paste-token, should it hold no anthropic:manual yet)",
        { sink: "openclaw", path, to: token },
      );
      return path;
    }
    deps.log.info("would paste-token", { ...where, to: token });
    return where.path;
  }
  memo.said ??= {};
  const closed = memo.discovery?.closed;
  const how = direct.profileMissing
    ? "first delivery to this OpenClaw through `models auth paste-token` (it creates anthropic:manual and puts it first); later ones go straight to its store"
    : closed
    ? `delivering through \`models auth paste-token\` (a CLI start-up per rotation): the direct route is closed: ${closed}`
    : undefined;
  if (how && !memo.said.paste) {
    memo.said.paste = true;
    deps.log.info(how, { sink: "openclaw" });
  }
  try {
    return await deliverThroughCli(memo, login, deps, cli, candidates, where);
  } catch (err) {
    // Whatever failed (a container gone, a CLI moved) is looked for again next pass.
    memo.key = undefined;
    throw err;
  }
}

/** Pastes through the CLI, makes the token win and verifies it; returns where it changed. */
async function deliverThroughCli(
  memo: OpenClawMemo,
  login: Login,
  deps: OpenClawDeps,
  cli: () => Promise<OpenClawCli>,
  candidates: OpenClawCli[],
  where: { sink: string; path: string },
): Promise<string> {
  const token = fingerprint(login.accessToken);
  memo.said ??= {};
  let used: OpenClawCli;
  let warning: string | undefined;
  if (memo.cli) {
    used = memo.cli;
    warning = await pasteToken(used, deps.run, login, Date.now());
  } else {
    ({ cli: used, warning } = await pasteThrough(
      candidates,
      deps.run,
      login,
      Date.now,
    ));
    memo.cli = used;
  }
  const path = used.prefix.join(" ");
  if (warning) deps.log.warn(`OpenClaw: ${warning}`, { ...where, path });
  let { view, verdict } = await check(memo, cli, deps.run, login, deps.log);
  if (!verdict.ok && verdict.manualHeld) {
    await setOrder(used, deps.run, orderWithManualFirst(view));
    ({ view, verdict } = await check(memo, cli, deps.run, login, deps.log));
  }
  if (!verdict.ok) {
    throw deliveryFailed(
      `OpenClaw stored ${token} as ${MANUAL_PROFILE} but uses ${verdict.instead}`,
    );
  }
  memo.verified = token;
  deps.log.info("updated, verified in use", {
    ...where,
    path,
    to: token,
    expiresAt: login.expiresAt,
  });
  if (!memo.said.oauth) {
    for (const p of view.profiles.filter((p) => p.type === "oauth")) {
      memo.said.oauth = true;
      deps.log.warn(
        `OpenClaw also holds OAuth profile ${p.profileId}, which it would refresh itself (racing Claude Code) should ${MANUAL_PROFILE} ever expire; remove it with \`openclaw models auth logout ${p.profileId} --yes\``,
        { ...where, path },
      );
    }
  }
  return path;
}
