import { loginEnded, sourceInvalid } from "./errors.ts";
import {
  array,
  describe,
  type Infer,
  literal,
  number,
  object,
  optional,
  string,
  union,
} from "./schema.ts";

/**
 * Characters a token may carry: visible ASCII without quotes, backslash,
 * backtick or `$`, so that no token can break out of a `.env` line or be
 * interpolated by docker compose.
 */
const TOKEN_BODY = String.raw`[!#%-&(-\[\]-_a-~]+`;

/** An access token as Claude Code stores it. */
export const AccessToken = string({
  pattern: new RegExp(`^sk-ant-oat01-${TOKEN_BODY}$`),
  message:
    "must start with sk-ant-oat01- and hold no whitespace, quotes, backslashes or control characters",
});

/** A refresh token as Claude Code stores it. */
export const RefreshToken = string({
  pattern: new RegExp(`^sk-ant-ort01-${TOKEN_BODY}$`),
  message:
    "must start with sk-ant-ort01- and hold no whitespace, quotes, backslashes or control characters",
});

const LiveOauth = object({
  accessToken: AccessToken,
  refreshToken: RefreshToken,
  expiresAt: number({ int: true, positive: true }),
  scopes: optional(array(string())),
  clientId: optional(string()),
});

const EndedOauth = object({
  accessToken: literal(""),
  refreshToken: optional(literal("")),
  expiresAt: optional(literal(0)),
  loginEnded: optional(string()),
});

/** The whole `.credentials.json` of Claude Code; unknown fields are kept; a problem is described by the live-login branch. */
export const CredentialsFile = object({
  claudeAiOauth: union(LiveOauth, EndedOauth),
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
  const parsed = CredentialsFile.check(json);
  if (!parsed.ok) throw sourceInvalid(`${path}: ${describe(parsed)}`);
  const o = parsed.value.claudeAiOauth;
  if (o.accessToken === "") {
    throw loginEnded(
      `${path} holds no token${o.loginEnded ? ` (${o.loginEnded})` : ""}`,
    );
  }
  const live = o as Infer<typeof LiveOauth>;
  return {
    login: {
      accessToken: live.accessToken,
      refreshToken: live.refreshToken,
      expiresAt: live.expiresAt,
      scopes: live.scopes ?? [],
      ...(live.clientId ? { clientId: live.clientId } : {}),
    },
    document: parsed.value,
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
