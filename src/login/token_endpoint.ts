/** The OAuth token endpoint: one refresh request and what its answer means. */
import * as z from "../lib/zod/zod.js";
import { loginEnded, notPermitted } from "../lib/errors.ts";
import { redact } from "../lib/fingerprint.ts";
import { jsonOf } from "../lib/untrusted.ts";
import { AccessToken, type Login, RefreshToken } from "./credentials.ts";

/** A refresh that may succeed later (429, 5xx, network, timeout, an unreadable body). */
export class TransientRefreshError extends Error {
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
    this.name = "TransientRefreshError";
  }
}

/** Errors that mean the refresh token is dead: only a new login helps. */
const TERMINAL = ["invalid_grant", "invalid_client", "unauthorized_client"];

/** The token endpoint's answer to a refresh. */
export const TokenResponse = z.looseObject({
  access_token: AccessToken,
  refresh_token: z.optional(RefreshToken),
  expires_in: z.number().check(z.positive()),
  scope: z.optional(z.string()),
});

/** The error part of an answer: an OAuth `error` code, or Anthropic's `{error:{type}}`. */
const ErrorAnswer = z.object({
  error: z.union([z.string(), z.object({ type: z.string() })]),
});

/** The new login from a token response: the old refresh token and scopes kept when none come back. */
export function loginFromResponse(
  old: Login,
  response: z.infer<typeof TokenResponse>,
  now: number,
): Login {
  return {
    ...old,
    accessToken: response.access_token,
    refreshToken: response.refresh_token ?? old.refreshToken,
    expiresAt: now + Math.round(response.expires_in * 1000),
    scopes: response.scope
      ? response.scope.split(" ").filter(Boolean)
      : old.scopes,
  };
}

/** Settings of a refresh request. */
export interface EndpointOptions {
  tokenUrl: string;
  tokenUrlFallback?: string;
  clientId: string;
  userAgent: string;
  timeoutMs: number;
}

/** A Retry-After header (seconds or an HTTP date) in milliseconds. */
export function retryAfterMs(
  header: string | null,
  now: number,
): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** POSTs one refresh to a URL; returns the response, or throws a terminal SyncError or a TransientRefreshError. */
async function post(
  url: string,
  login: Login,
  options: EndpointOptions,
  fetchFn: typeof fetch,
): Promise<Response> {
  try {
    return await fetchFn(url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: {
        "Content-Type": "application/json",
        "User-Agent": options.userAgent,
      },
      body: JSON.stringify({
        grant_type: "refresh_token",
        refresh_token: login.refreshToken,
        client_id: login.clientId ?? options.clientId,
        scope: login.scopes.join(" "),
      }),
    });
  } catch (err) {
    throw notPermitted(err) ?? new TransientRefreshError(
      `token endpoint ${url} unreachable: ${
        redact(err instanceof Error ? err.message : String(err))
      }`,
    );
  }
}

/** Refreshes a login at the token endpoint (falling back on a 404); the old access token is revoked on success. */
export async function refreshLogin(
  login: Login,
  options: EndpointOptions,
  now: () => number,
  fetchFn: typeof fetch = fetch,
): Promise<Login> {
  let url = options.tokenUrl;
  let response = await post(url, login, options, fetchFn);
  if (response.status === 404 && options.tokenUrlFallback) {
    await response.body?.cancel();
    url = options.tokenUrlFallback;
    response = await post(url, login, options, fetchFn);
  }
  const text = await response.text().catch(() => "");
  const body = jsonOf(text);
  const error = ErrorAnswer.safeParse(body).data?.error;
  const code = typeof error === "string" ? error : error?.type;
  if (code && TERMINAL.includes(code)) {
    throw loginEnded(`token endpoint answered ${response.status} ${code}`);
  }
  if (!response.ok) {
    throw new TransientRefreshError(
      `token endpoint ${url} answered ${response.status}${
        code ? ` ${code}` : ""
      }`,
      retryAfterMs(response.headers.get("retry-after"), now()),
    );
  }
  const parsed = TokenResponse.safeParse(body);
  if (!parsed.success) {
    throw new TransientRefreshError(
      `token endpoint ${url} answered an unreadable body`,
    );
  }
  return loginFromResponse(login, parsed.data, now());
}
