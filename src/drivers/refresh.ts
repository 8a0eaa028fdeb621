/**
 * `refresh`: refresh the login ourselves when it is due, then deliver it.
 * `--once` runs one such pass; without it, a timer runs them every interval
 * and when the token enters the refresh window.
 */
import { ExitCode, loginEnded, messageOf } from "../lib/errors.ts";
import { fingerprint } from "../lib/fingerprint.ts";
import { expiry, formatDuration, relative, sleep } from "../lib/time.ts";
import type { Login } from "../login/credentials.ts";
import {
  refreshDueAt,
  refreshRetryDelay,
  refreshUnderLocks,
} from "../login/refresh.ts";
import { readCredentials } from "../login/source.ts";
import { TransientRefreshError } from "../login/token_endpoint.ts";
import { outcomeExitCode } from "../pass/pass.ts";
import { type Agent, finished, pass } from "./agent.ts";
import { onSignals } from "./signals.ts";

/** Refreshes the login when it is due (or forced) and the token endpoint has not refused it before; records what happened. Returns the login to deliver. */
export async function refreshIfDue(
  agent: Agent,
  login: Login,
  { force, pass: isPass }: { force: boolean; pass: boolean },
): Promise<Login> {
  const now = (agent.now ?? Date.now)();
  const { refreshBefore } = agent.global;
  const dueAt = refreshDueAt(
    login,
    refreshBefore,
    agent.recorder.state.lastRefreshAt,
  );
  if (!force && dueAt > now) {
    agent.log.info(
      `no refresh due: the token ${
        expiry(login.expiresAt, now)
      }, due for refresh ${relative(dueAt, now)} (--refresh-before ${
        formatDuration(refreshBefore)
      })`,
      { token: fingerprint(login.accessToken) },
    );
    return login;
  }
  if (!force && agent.recorder.isDead(login)) return login;
  agent.log.info(
    force
      ? "refreshing: --force"
      : `refreshing: the token ${
        expiry(login.expiresAt, now)
      }, within --refresh-before ${formatDuration(refreshBefore)}`,
  );
  try {
    const { login: next, refreshed } = await refreshUnderLocks(
      agent.global,
      { log: agent.log, fetch: agent.fetch, now: agent.now },
      force,
    );
    if (refreshed) agent.recorder.refreshed(next);
    return next;
  } catch (err) {
    agent.recorder.refreshFailed(err, login, { pass: isPass });
    throw err;
  }
}

/**
 * One refresh pass: refresh when due (or forced), then deliver the login
 * everywhere. A refresh token the endpoint refused before is not sent again
 * (unless forced): the login is delivered as it is and the pass ends with
 * "login ended". Returns the exit code; a failed refresh throws.
 */
export async function refreshPass(
  agent: Agent,
  { once }: { once: boolean },
): Promise<number> {
  let login: Login;
  try {
    login = (await readCredentials(agent.global.credentials)).login;
  } catch (err) {
    agent.recorder.refreshFailed(err);
    throw err;
  }
  const force = agent.global.force;
  const next = await refreshIfDue(agent, login, { force, pass: true });
  const outcome = await pass(agent, { restart: true, once });
  const dead = !force && next === login && agent.recorder.isDead(login) &&
    refreshDueAt(login, agent.global.refreshBefore) <=
      (agent.now ?? Date.now)();
  if (!dead) return outcomeExitCode(outcome);
  const ended = loginEnded(
    `the token endpoint refused refresh token ${
      fingerprint(login.refreshToken)
    } before`,
  );
  agent.log.error(ended.message, { path: agent.global.credentials });
  agent.recorder.refreshFailed(ended, login);
  return ended.exitCode;
}

/** `refresh --once`: one refresh pass; its exit code, a hook that could not start failing it too. */
export async function refreshOnce(agent: Agent): Promise<number> {
  const code = await refreshPass(agent, { once: true }).finally(() =>
    agent.recorder.idle()
  );
  return await finished(agent, code);
}

/**
 * Timer mode: a refresh pass every interval (with up to 10 % jitter) and when
 * the token enters the refresh window; transient failures back off, a dead
 * login is not retried until the file holds another one. Runs until SIGTERM.
 */
export async function refreshTimer(agent: Agent): Promise<number> {
  const stop = new AbortController();
  const stopListening = onSignals({ stop: () => stop.abort() });
  const now = agent.now ?? Date.now;
  const { global, log, recorder } = agent;
  recorder.setMode("timer");
  log.info("refreshing on a timer", {
    path: global.credentials,
    every: formatDuration(global.interval),
  });
  let failures = 0;
  try {
    while (!stop.signal.aborted) {
      let wait = global.interval * (1 + Math.random() * 0.1);
      try {
        const code = await refreshPass(agent, { once: false });
        failures = 0;
        const { login } = await readCredentials(global.credentials);
        const due = refreshDueAt(
          login,
          global.refreshBefore,
          recorder.state.lastRefreshAt,
        ) - now();
        if (code !== ExitCode.loginEnded && due > 0) {
          wait = Math.min(wait, due);
        }
      } catch (err) {
        if (err instanceof TransientRefreshError) {
          wait = refreshRetryDelay(failures++, err);
          log.warn(`${err.message}; retrying`, { in: formatDuration(wait) });
        } else {
          log.error(messageOf(err), { path: global.credentials });
        }
      }
      await sleep(wait, stop.signal);
    }
  } finally {
    stopListening();
    await recorder.idle();
  }
  return ExitCode.ok;
}
