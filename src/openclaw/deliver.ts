/**
 * Delivery to OpenClaw on the route src/openclaw/route_for.ts decided:
 * directly to its store when the running gateway can be made to reload,
 * else through its CLI; make the token win and verify it is in use.
 */
import { deliveryFailed, messageOf } from "../lib/errors.ts";
import { fingerprint } from "../lib/fingerprint.ts";
import type { Logger } from "../lib/log.ts";
import type { Runner } from "../lib/process.ts";
import type { Login } from "../login/credentials.ts";
import { MANUAL_PROFILE, storeDatabase } from "../sinks/auth_store.ts";
import {
  modelsStatus,
  type OpenClawCli,
  pasteThrough,
  pasteToken,
  setOrder,
} from "./cli.ts";
import { deliverDirect } from "./direct.ts";
import { storeToken } from "./sqlite_store.ts";
import { askGateway } from "./gateway_ask.ts";
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
  type OpenClawDeps,
  type OpenClawMemo,
  type OpenClawTarget,
} from "./route_for.ts";

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
