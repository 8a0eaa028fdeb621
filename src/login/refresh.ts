/**
 * Refreshing the login ourselves, the way Claude Code does and under its
 * locks, so that we never race it for the single-use refresh token.
 */
import { dirname, join } from "../lib/path.ts";
import { backoffDelay } from "../lib/coalesce.ts";
import { writeFileAtomic } from "../lib/files.ts";
import { fingerprint } from "../lib/fingerprint.ts";
import { REFRESH_LOCK, withLocks, WRITE_LOCK } from "../lib/locks.ts";
import type { Logger } from "../lib/log.ts";
import { type Login, withLogin } from "./credentials.ts";
import { readCredentials } from "./source.ts";
import {
  type EndpointOptions,
  refreshLogin,
  type TransientRefreshError,
} from "./token_endpoint.ts";

/** Backoff of transient refresh failures: full jitter from 15 s up to 15 min. */
const RETRY_BASE_MS = 15_000;
const RETRY_CAP_MS = 15 * 60_000;
/** Time limit of one token request. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The least time between two refreshes of ours, so a token shorter than the refresh window cannot make a loop. */
export const MIN_REFRESH_GAP_MS = 5 * 60_000;

/** What a refresh needs: the credentials file, the refresh window and the token endpoint. */
export interface RefreshSettings extends Omit<EndpointOptions, "timeoutMs"> {
  credentials: string;
  refreshBefore: number;
}

/** The edges of a refresh: the log, and the network and clock when a test replaces them. */
export interface RefreshEdges {
  log: Logger;
  fetch?: typeof fetch;
  now?: () => number;
}

/** The login to deliver after a refresh, and whether we refreshed it ourselves (else another process had, or it was not due). */
export interface Refreshed {
  login: Login;
  refreshed: boolean;
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

/**
 * Refreshes the login the way Claude Code does, under its locks: re-reads the
 * file once the refresh lock is held and adopts another refresher's tokens
 * instead of POSTing; writes back under the storage lock, in Claude Code's
 * compact format. Unless forced, a login not yet due is returned as it is.
 */
export async function refreshUnderLocks(
  settings: RefreshSettings,
  edges: RefreshEdges,
  force: boolean,
): Promise<Refreshed> {
  const now = edges.now ?? Date.now;
  const path = settings.credentials;
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
        edges.log.info(
          "another process refreshed the login; delivering its token",
          { token: fingerprint(current.accessToken) },
        );
        return { login: current, refreshed: false };
      }
      if (!force && refreshDueAt(current, settings.refreshBefore) > now()) {
        return { login: current, refreshed: false };
      }
      const fresh = await refreshLogin(
        current,
        { ...settings, timeoutMs: REQUEST_TIMEOUT_MS },
        now,
        edges.fetch,
      );
      return await withLocks(
        [[join(dir, ".storage-write.lock"), WRITE_LOCK]],
        async () => {
          const stored = await readCredentials(path);
          if (stored.login.refreshToken !== current.refreshToken) {
            return { login: stored.login, refreshed: false };
          }
          await writeFileAtomic(
            path,
            JSON.stringify(withLogin(stored.document, fresh)),
          );
          edges.log.info("login refreshed", {
            path,
            token: fingerprint(fresh.accessToken),
            expiresAt: fresh.expiresAt,
          });
          return { login: fresh, refreshed: true };
        },
      );
    },
  );
}
