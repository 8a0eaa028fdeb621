/** Claude Code's `.credentials.json`: its shape, the login it holds, and the document written back. */
import * as z from "../lib/zod/zod.js";
import { loginEnded, sourceInvalid } from "../lib/errors.ts";
import { firstProblem } from "../lib/untrusted.ts";

/**
 * Characters a token may carry: visible ASCII without quotes, backslash,
 * backtick or `$`, so that no token can break out of a `.env` line or be
 * interpolated by docker compose.
 */
const TOKEN_BODY = String.raw`[!#%-&(-\[\]-_a-~]+`;

/** What a token of a kind must look like, in words that quote its prefix whole. */
function tokenOf(prefix: string) {
  return z.string().check(z.regex(
    new RegExp(`^${prefix}${TOKEN_BODY}$`),
    `must start with ${prefix} and hold no whitespace, quotes, backslashes or control characters`,
  ));
}

/** An access token as Claude Code stores it. */
export const AccessToken = tokenOf("sk-ant-oat01-");

/** A refresh token as Claude Code stores it. */
export const RefreshToken = tokenOf("sk-ant-ort01-");

/** A live login inside `claudeAiOauth`; other fields are kept. */
const LiveOauth = z.looseObject({
  accessToken: AccessToken,
  refreshToken: RefreshToken,
  expiresAt: z.number().check(
    z.refine(Number.isSafeInteger, "expected a whole number of milliseconds"),
    z.positive(),
  ),
  scopes: z.optional(z.array(z.string())),
  clientId: z.optional(z.string()),
});

/** A logged-out or dead login: Claude Code empties the tokens (and may say why). */
const EndedOauth = z.looseObject({
  accessToken: z.literal(""),
  refreshToken: z.optional(z.literal("")),
  expiresAt: z.optional(z.literal(0)),
  loginEnded: z.optional(z.string()),
});

/** The whole file: `claudeAiOauth` first, every other key kept. */
const CredentialsFile = z.looseObject({
  claudeAiOauth: z.looseObject({}),
});

/** A live login: the fields every sink is built from. */
export interface Login {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
  scopes: string[];
  clientId?: string;
}

/** The parsed file: the live login plus the whole document, for writing it back. */
export interface Credentials {
  login: Login;
  document: Record<string, unknown>;
}

/** Parses and validates the text of a credentials file; throws a SyncError when it is not a live login. */
export function parseCredentials(text: string, path: string): Credentials {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw sourceInvalid(`${path}: not valid JSON`);
  }
  const file = CredentialsFile.safeParse(json);
  if (!file.success) {
    throw sourceInvalid(`${path}: ${firstProblem(file.error)}`);
  }
  const ended = EndedOauth.safeParse(file.data.claudeAiOauth);
  if (ended.success) {
    const why = ended.data.loginEnded;
    throw loginEnded(`${path} holds no token${why ? ` (${why})` : ""}`);
  }
  const live = z.object({ claudeAiOauth: LiveOauth }).safeParse(file.data);
  if (!live.success) {
    throw sourceInvalid(`${path}: ${firstProblem(live.error)}`);
  }
  const o = live.data.claudeAiOauth;
  return {
    login: {
      accessToken: o.accessToken,
      refreshToken: o.refreshToken,
      expiresAt: o.expiresAt,
      scopes: o.scopes ?? [],
      ...(o.clientId ? { clientId: o.clientId } : {}),
    },
    document: file.data,
  };
}

/** Whether the text looks like a write still in progress (empty or cut-off JSON). */
export function looksMidWrite(text: string): boolean {
  if (text.trim() === "") return true;
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
}

/** The document with the login written into `claudeAiOauth`, every other field kept. */
export function withLogin(
  document: Record<string, unknown>,
  login: Login,
): Record<string, unknown> {
  return {
    ...document,
    claudeAiOauth: {
      ...(document.claudeAiOauth as Record<string, unknown>),
      accessToken: login.accessToken,
      refreshToken: login.refreshToken,
      expiresAt: login.expiresAt,
      scopes: login.scopes,
    },
  };
}
