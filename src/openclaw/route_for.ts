/**
 * Which route a target's OpenClaw takes: a fixed --openclaw route, else
 * what the store on disk says, else what the CLI says, from what discovery
 * found (src/openclaw/discover.ts). What a process learns is kept in a memo
 * per target and what a run learned in the state file: later passes and
 * runs ask nothing again until the gateway's container or version changes.
 */
import type { Fields, Logger } from "../lib/log.ts";
import type { Runner } from "../lib/process.ts";
import { type OpenClawCli, probeCandidates } from "./cli.ts";
import { discover } from "./discover.ts";
import type { DiscoverInput, Discovery } from "./discovery.ts";
import { shown } from "./found.ts";
import { describeGateway } from "./gateway_ask.ts";
import type { Learned } from "./learned.ts";
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

/** How a route an earlier run chose is said again. */
const FOUND_BEFORE = " (as found before)";

/** What an earlier run learned, when it learned it for these settings (another configuration learns anew). */
function learnedFor(
  config: OpenClawTarget,
  memo: OpenClawMemo,
): Learned | undefined {
  return memo.learned?.key === memoKey(config) ? memo.learned : undefined;
}

/** The route an earlier run chose, as this run says it. */
function foundBefore(learned: Learned | undefined): RouteChoice | undefined {
  return learned?.route && learned.why
    ? { route: learned.route, why: `${learned.why}${FOUND_BEFORE}` }
    : undefined;
}

/** The route an earlier run chose by asking the CLI, while the container (and the store's version) are the same: not asked again. */
function learnedChoice(
  discovery: Discovery,
  learned: Learned | undefined,
): RouteChoice | undefined {
  if (learned?.container !== discovery.container?.id) return undefined;
  const version = discovery.version?.value;
  if (version && learned?.version && version !== learned.version) {
    return undefined;
  }
  return foundBefore(learned);
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
  const learned = learnedFor(config, memo);
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
        direct: directShown(found),
        cli: cliShown(d),
      }
      : {}),
  };
}

/** Whether the direct route is open (to which gateway, with whose token) or closed (and what would open it). */
export function directShown(d: Discovery): string {
  return d.closed ? `closed: ${d.closed}` : `open: ${describeGateway(d.reach)}`;
}

/** The CLI as the route line, status and doctor show it: the one that answered (or was configured), else the candidates still to try. */
export function cliShown(d: RouteDecision): string {
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

/** The route an earlier run learned for these settings, taken as it is (with the state directory it found, and the token it verified in use): what a one-shot run rests on while nothing is to be delivered along it. Asks nothing. */
export function learnedRoute<T extends OpenClawTarget>(
  config: T,
  memo: OpenClawMemo,
):
  | (RouteChoice & { settings: T; verified?: string })
  | undefined {
  const learned = learnedFor(config, memo);
  const choice = foundBefore(learned);
  if (!choice) return undefined;
  return {
    ...choice,
    settings: learned?.state
      ? { ...config, openclawState: learned.state }
      : config,
    verified: learned?.verified,
  };
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
    why: memo.choice.why.endsWith(FOUND_BEFORE)
      ? memo.choice.why.slice(0, -FOUND_BEFORE.length)
      : memo.choice.why,
    container: memo.discovery?.container?.id,
    compose: memo.discovery?.variant,
    state: memo.discovery?.stateDir?.value,
    version: memo.version ?? memo.discovery?.version?.value,
    cli: memo.cli?.prefix,
    verified: memo.verified,
  };
}
