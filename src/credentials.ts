import { z } from "zod";
import { loginEnded, sourceInvalid } from "./errors.ts";

/**
 * Characters a token may carry: visible ASCII without quotes, backslash,
 * backtick or `$`, so that no token can break out of a `.env` line or be
 * interpolated by docker compose.
 */
const TOKEN_BODY = String.raw`[!#%-&(-\[\]-_a-~]+`;

/** An access token as Claude Code stores it. */
export const AccessToken = z.string().regex(
  new RegExp(`^sk-ant-oat01-${TOKEN_BODY}$`),
  "must start with sk-ant-oat01- and hold no whitespace, quotes, backslashes or control characters",
);

/** A refresh token as Claude Code stores it. */
export const RefreshToken = z.string().regex(
  new RegExp(`^sk-ant-ort01-${TOKEN_BODY}$`),
  "must start with sk-ant-ort01- and hold no whitespace, quotes, backslashes or control characters",
);

const LiveOauth = z.looseObject({
  accessToken: AccessToken,
  refreshToken: RefreshToken,
  expiresAt: z.number().int().positive(),
  scopes: z.array(z.string()).optional(),
  clientId: z.string().optional(),
});

const EndedOauth = z.looseObject({
  accessToken: z.literal(""),
  refreshToken: z.literal("").optional(),
  expiresAt: z.literal(0).optional(),
  loginEnded: z.string().optional(),
});

/** The whole `.credentials.json` of Claude Code; unknown fields are kept. */
export const CredentialsFile = z.looseObject({
  claudeAiOauth: z.union([LiveOauth, EndedOauth]),
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

/** The first schema problem, named by its path; a union is described by its live-login branch. */
function describeIssue(issues: z.core.$ZodIssue[], prefix = ""): string {
  const issue = issues[0];
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
  if (issue.code === "invalid_union" && issue.errors[0]?.length) {
    return describeIssue(issue.errors[0], path);
  }
  return `${path || "(root)"}: ${issue.message}`;
}

/** Parses and validates the text of a credentials file; throws a SyncError when it is not a live login. */
export function parseCredentials(text: string, path: string): Credentials {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw sourceInvalid(`${path}: not valid JSON`);
  }
  const parsed = CredentialsFile.safeParse(json);
  if (!parsed.success) {
    throw sourceInvalid(`${path}: ${describeIssue(parsed.error.issues)}`);
  }
  const o = parsed.data.claudeAiOauth;
  if (o.accessToken === "") {
    throw loginEnded(
      `${path} holds no token${o.loginEnded ? ` (${o.loginEnded})` : ""}`,
    );
  }
  const live = o as z.infer<typeof LiveOauth>;
  return {
    login: {
      accessToken: live.accessToken,
      refreshToken: live.refreshToken,
      expiresAt: live.expiresAt,
      scopes: live.scopes ?? [],
      ...(live.clientId ? { clientId: live.clientId } : {}),
    },
    document: parsed.data,
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
