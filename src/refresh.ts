import { dirname, join } from "node:path";
import { backoffDelay, sleep } from "./coalesce.ts";
import type { Config } from "./config.ts";
import { type Login, withLogin } from "./credentials.ts";
import { ExitCode, messageOf, SyncError } from "./errors.ts";
import { writeFileAtomic } from "./files.ts";
import { fingerprint } from "./fingerprint.ts";
import { REFRESH_LOCK, withLocks, WRITE_LOCK } from "./lock.ts";
import { type PassDeps, syncLogin } from "./pass.ts";
import { readCredentials } from "./source.ts";
import { refreshLogin, TransientRefreshError } from "./token_endpoint.ts";

/** Backoff of transient refresh failures: full jitter from 15 s up to 15 min. */
const RETRY_BASE_MS = 15_000;
const RETRY_CAP_MS = 15 * 60_000;
/** Time limit of one token request. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The edges of a refresh beyond a pass: the network and the clock. */
export interface RefreshDeps extends PassDeps {
  fetch?: typeof fetch;
  now?: () => number;
}

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

/** Whether a login expires within the refresh window. */
export function needsRefresh(
  login: Login,
  now: number,
  windowMs: number,
): boolean {
  return login.expiresAt - now <= windowMs;
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
    [[join(dir, ".oauth_refresh.lock"), REFRESH_LOCK], [sibling, REFRESH_LOCK]],
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
      if (!force && !needsRefresh(current, now(), config.refreshBefore)) {
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
            token: fingerprint(fresh.accessToken),
            expiresInMin: Math.round((fresh.expiresAt - now()) / 60_000),
          });
          return fresh;
        },
      );
    },
  );
}

/** One refresh pass: refresh when due (or forced), then deliver the login everywhere. Returns the exit code. */
export async function refreshPass(
  config: Config,
  deps: RefreshDeps,
): Promise<number> {
  const { login } = await readCredentials(config.credentials);
  const now = (deps.now ?? Date.now)();
  const due = config.force || needsRefresh(login, now, config.refreshBefore);
  const next = due
    ? await refreshUnderLocks(config, deps, config.force)
    : login;
  return await syncLogin(config, next, deps);
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
  let failures = 0;
  let dead: string | undefined;
  try {
    while (!stop.signal.aborted) {
      let wait = config.interval * (1 + Math.random() * 0.1);
      try {
        const { login } = await readCredentials(config.credentials);
        if (login.refreshToken === dead) {
          deps.log.error("the login ended; log in again with `claude`");
        } else {
          await refreshPass(config, deps);
          failures = 0;
        }
        const { login: after } = await readCredentials(config.credentials);
        const windowOpens = after.expiresAt - config.refreshBefore - now();
        wait = Math.max(1_000, Math.min(wait, windowOpens));
      } catch (err) {
        if (err instanceof TransientRefreshError) {
          wait = refreshRetryDelay(failures++, err);
          deps.log.warn(`${err.message}; retrying`, { inMs: wait });
        } else {
          if (
            err instanceof SyncError && err.exitCode === ExitCode.loginEnded
          ) {
            dead = (await readCredentials(config.credentials).catch(() =>
              undefined
            ))
              ?.login.refreshToken;
          }
          deps.log.error(messageOf(err));
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
