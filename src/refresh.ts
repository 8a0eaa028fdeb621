import { dirname, join } from "./paths.ts";
import { backoffDelay } from "./coalesce.ts";
import { sleep } from "./timer.ts";
import type { Config } from "./config.ts";
import { type Login, withLogin } from "./credentials.ts";
import { ExitCode, loginEnded, messageOf } from "./errors.ts";
import { writeFileAtomic } from "./files.ts";
import { fingerprint } from "./fingerprint.ts";
import { REFRESH_LOCK, withLocks, WRITE_LOCK } from "./lock.ts";
import { type PassDeps, syncLogin } from "./pass.ts";
import { readCredentials } from "./source.ts";
import { failureKind, type Tracker } from "./state.ts";
import { refreshLogin, TransientRefreshError } from "./token_endpoint.ts";

/** Backoff of transient refresh failures: full jitter from 15 s up to 15 min. */
const RETRY_BASE_MS = 15_000;
const RETRY_CAP_MS = 15 * 60_000;
/** Time limit of one token request. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The edges of a refresh beyond a pass: the network, the clock, and the tracker that records outcomes. */
export interface RefreshDeps extends PassDeps {
  fetch?: typeof fetch;
  now?: () => number;
  tracker: Tracker;
}

/** The least time between two refreshes of ours, so a token shorter than the refresh window cannot make a loop. */
export const MIN_REFRESH_GAP_MS = 5 * 60_000;

/** The wait before retrying a transient refresh failure: full-jitter backoff, at least Retry-After. */
export function refreshRetryDelay(
  failures: number,
  err: TransientRefreshError,
): number {
  return Math.max(
    err.retryAfterMs ?? 0,
    backoffDelay(failures, RETRY_BASE_MS, RETRY_CAP_MS, Math.random),
  );
}

/** When the login is due for refresh: when it enters the window, and not within MIN_REFRESH_GAP_MS of our last refresh. */
export function refreshDueAt(
  login: Login,
  windowMs: number,
  lastRefreshAt = 0,
): number {
  return Math.max(
    login.expiresAt - windowMs,
    lastRefreshAt + MIN_REFRESH_GAP_MS,
  );
}

/** The credentials file text with the new login, in Claude Code's compact format. */
function credentialsText(
  document: Record<string, unknown>,
  login: Login,
): string {
  return JSON.stringify(withLogin(document, login));
}

/**
 * Refreshes the login the way Claude Code does, under its locks: re-reads the
 * file once the refresh lock is held and adopts another refresher's tokens
 * instead of POSTing; writes back under the storage lock. Returns the login to
 * deliver.
 */
export async function refreshUnderLocks(
  config: Config,
  deps: RefreshDeps,
  force: boolean,
): Promise<Login> {
  const now = deps.now ?? Date.now;
  const path = config.credentials;
  const dir = dirname(path);
  const before = (await readCredentials(path)).login;
  const sibling = `${await Deno.realPath(dir)}.lock`;
  return await withLocks(
    [[join(dir, ".oauth_refresh.lock"), REFRESH_LOCK], [sibling, {
      ...REFRESH_LOCK,
      // Claude Code takes both; the lock inside the directory alone keeps us
      // apart, and a sandbox (systemd ProtectHome) may not let us make this one.
      optional: true,
    }]],
    async () => {
      const current = (await readCredentials(path)).login;
      if (current.refreshToken !== before.refreshToken) {
        deps.log.info(
          "another process refreshed the login; delivering its token",
          {
            token: fingerprint(current.accessToken),
          },
        );
        return current;
      }
      if (!force && refreshDueAt(current, config.refreshBefore) > now()) {
        return current;
      }
      const fresh = await refreshLogin(
        current,
        {
          tokenUrl: config.tokenUrl,
          tokenUrlFallback: config.tokenUrlFallback,
          clientId: config.clientId,
          userAgent: config.userAgent,
          timeoutMs: REQUEST_TIMEOUT_MS,
        },
        now,
        deps.fetch,
      );
      return await withLocks(
        [[join(dir, ".storage-write.lock"), WRITE_LOCK]],
        async () => {
          const stored = await readCredentials(path);
          if (stored.login.refreshToken !== current.refreshToken) {
            return stored
              .login;
          }
          await writeFileAtomic(path, credentialsText(stored.document, fresh));
          deps.log.info("login refreshed", {
            path,
            token: fingerprint(fresh.accessToken),
            expiresAt: fresh.expiresAt,
          });
          deps.tracker.refreshed(fresh);
          return fresh;
        },
      );
    },
  );
}

/**
 * One refresh pass: refresh when due (or forced), then deliver the login
 * everywhere. A refresh token the endpoint refused before is not sent again
 * (unless forced): the login is delivered as it is and the pass ends with
 * "login ended". Failures are recorded, then thrown. Returns the exit code.
 */
export async function refreshPass(
  config: Config,
  deps: RefreshDeps,
): Promise<number> {
  let login: Login | undefined;
  try {
    login = (await readCredentials(config.credentials)).login;
    const now = (deps.now ?? Date.now)();
    const lastRefresh = deps.tracker.state.lastRefreshAt;
    const due = config.force ||
      refreshDueAt(login, config.refreshBefore, lastRefresh) <= now;
    const dead = !config.force && deps.tracker.isDead(login);
    const next = due && !dead
      ? await refreshUnderLocks(config, deps, config.force)
      : login;
    const code = await syncLogin(config, next, deps);
    if (!(due && dead)) return code;
    const ended = loginEnded(
      `the token endpoint refused refresh token ${
        fingerprint(login.refreshToken)
      } before`,
    );
    deps.log.error(ended.message, { path: config.credentials });
    deps.tracker.failed("login_ended", ended, login);
    return ended.exitCode;
  } catch (err) {
    deps.tracker.passFailed(failureKind(err, "refresh"), err, login);
    throw err;
  }
}

/**
 * Timer mode: a refresh pass every interval (with up to 10 % jitter) and when
 * the token enters the refresh window; transient failures back off, a dead
 * login is not retried until the file holds another one. Runs until SIGTERM.
 */
export async function refreshTimer(
  config: Config,
  deps: RefreshDeps,
): Promise<number> {
  const stop = new AbortController();
  const onStop = () => stop.abort();
  Deno.addSignalListener("SIGTERM", onStop);
  Deno.addSignalListener("SIGINT", onStop);
  const now = deps.now ?? Date.now;
  deps.tracker.setMode("timer");
  deps.log.info("refreshing on a timer", {
    path: config.credentials,
    every: `${config.interval / 1000} s`,
  });
  let failures = 0;
  try {
    while (!stop.signal.aborted) {
      let wait = config.interval * (1 + Math.random() * 0.1);
      try {
        const code = await refreshPass(config, deps);
        failures = 0;
        const { login } = await readCredentials(config.credentials);
        const due = refreshDueAt(
          login,
          config.refreshBefore,
          deps.tracker.state.lastRefreshAt,
        ) - now();
        if (code !== ExitCode.loginEnded && due > 0) {
          wait = Math.min(wait, due);
        }
      } catch (err) {
        if (err instanceof TransientRefreshError) {
          wait = refreshRetryDelay(failures++, err);
          deps.log.warn(`${err.message}; retrying`, { inMs: wait });
        } else {
          deps.log.error(messageOf(err), { path: config.credentials });
        }
      }
      await sleep(wait, stop.signal);
    }
  } finally {
    Deno.removeSignalListener("SIGTERM", onStop);
    Deno.removeSignalListener("SIGINT", onStop);
  }
  return ExitCode.ok;
}
