/**
 * Property tests (fast-check): the `.env` edit and the credentials schema
 * against independent references, over random inputs. Run by
 * tests/unit/properties_test.ts and, with more runs, by the faults suite.
 */
import fc from "fast-check";
import {
  AccessToken,
  parseCredentials,
  RefreshToken,
} from "../../src/login/credentials.ts";
import { ExitCode, SyncError } from "../../src/lib/errors.ts";
import { parseDotenv, setEnvValue } from "../../src/lib/dotenv.ts";

/** Characters the reference allows in a token body: visible ASCII but quotes, backslash, backtick and `$`. */
function tokenChar(c: string): boolean {
  const code = c.codePointAt(0)!;
  return code >= 0x21 && code <= 0x7e && !`"'\\\`$`.includes(c);
}

/** The reference for a token: the prefix, then at least one allowed character. */
function validToken(s: unknown, prefix: string): boolean {
  return typeof s === "string" && s.startsWith(prefix) &&
    s.length > prefix.length && [...s.slice(prefix.length)].every(tokenChar);
}

const ALL_ASCII = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i));
const TOKEN_CHARS = ALL_ASCII.filter(tokenChar);

/** A body of valid token characters. */
const tokenBody = fc.string({
  unit: fc.constantFrom(...TOKEN_CHARS),
  minLength: 1,
  maxLength: 24,
});

/** A string that is often almost a token: a right or wrong prefix, then any characters. */
function tokenLike(prefix: string): fc.Arbitrary<string> {
  const unit = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...TOKEN_CHARS) },
    { weight: 2, arbitrary: fc.constantFrom(...ALL_ASCII) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("ü", "€", "\u2028", "😀", "\u00a0"),
    },
  );
  return fc.tuple(
    fc.constantFrom(
      prefix,
      prefix,
      prefix,
      "sk-ant-oat01-",
      "sk-ant-ort01-",
      "sk-ant-",
      "",
      "SK-ANT-OAT01-",
    ),
    fc.string({ unit, maxLength: 16 }),
  ).map(([p, body]) => p + body);
}

/** Keys of a random `.env`: a small pool (so keys repeat and collide) and random names. */
const envKey = fc.oneof(
  fc.constantFrom("ANTHROPIC_OAUTH_TOKEN", "A", "B_2", "export", "X.Y", "a-b"),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/),
);

/** Characters of values, comments and other lines: spaces, `#`, `=`, quotes, backslashes, `$`. */
const lineText = fc.string({
  unit: fc.constantFrom(..."aZ09 \t#='\"\\$`{}-_.:;".split("")),
  maxLength: 12,
});

/** One line of a random `.env` (no line ending). */
const envLine = fc.oneof(
  fc.constantFrom("", "  ", "\t"),
  lineText.map((t) => `#${t}`),
  lineText.map((t) => ` # ${t}`),
  lineText,
  fc.record({
    indent: fc.constantFrom("", " ", "\t"),
    exported: fc.constantFrom("", "export ", "export  "),
    key: envKey,
    sep: fc.constantFrom("=", " = ", "= ", " ="),
    quote: fc.constantFrom("", "'", '"'),
    value: lineText,
    comment: fc.constantFrom("", " # kept", "\t#x"),
  }).map((a) =>
    `${a.indent}${a.exported}${a.key}${a.sep}${a.quote}${a.value}${a.quote}${a.comment}`
  ),
);

/** A random `.env`: lines with LF or CRLF endings, the last one with or without. */
const envFile = fc.tuple(
  fc.array(fc.tuple(envLine, fc.constantFrom("\n", "\r\n")), { maxLength: 8 }),
  fc.boolean(),
).map(([lines, endsWithEol]) =>
  lines.map(([line, eol], i) =>
    line + (i < lines.length - 1 || endsWithEol ? eol : "")
  ).join("")
);

/** Lines with their endings, as the edit sees them. */
function linesOf(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** The outcome of parsing a credentials document: "live", or the exit code. */
function credentialsOutcome(doc: unknown): "live" | number {
  try {
    parseCredentials(JSON.stringify(doc), "f");
    return "live";
  } catch (err) {
    if (!(err instanceof SyncError)) throw err;
    return err.exitCode;
  }
}

/** The reference outcome of a credentials document, written from the README's rules. */
function expectedOutcome(doc: Record<string, unknown>): "live" | number {
  const o = doc.claudeAiOauth as Record<string, unknown> | undefined;
  if (typeof o !== "object" || o === null || Array.isArray(o)) {
    return ExitCode.sourceInvalid;
  }
  const absent = (k: string) => !(k in o);
  const live = validToken(o.accessToken, "sk-ant-oat01-") &&
    validToken(o.refreshToken, "sk-ant-ort01-") &&
    Number.isSafeInteger(o.expiresAt) && (o.expiresAt as number) > 0 &&
    (absent("scopes") ||
      (Array.isArray(o.scopes) &&
        o.scopes.every((s) => typeof s === "string"))) &&
    (absent("clientId") || typeof o.clientId === "string");
  if (live) return "live";
  const ended = o.accessToken === "" &&
    (absent("refreshToken") || o.refreshToken === "") &&
    (absent("expiresAt") || o.expiresAt === 0) &&
    (absent("loginEnded") || typeof o.loginEnded === "string");
  return ended ? ExitCode.loginEnded : ExitCode.sourceInvalid;
}

/** Usually the first (valid) value, else one of the others or absent (undefined). */
function usually(
  valid: fc.Arbitrary<unknown>,
  ...others: fc.Arbitrary<unknown>[]
): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3 * (others.length + 1), arbitrary: valid },
    ...[fc.constant(undefined), ...others].map((arbitrary) => ({
      weight: 1,
      arbitrary,
    })),
  );
}

/** The fields of `claudeAiOauth`: mostly the real shape, with fields missing, empty, mistyped or malformed. */
const oauthFields = fc.record({
  accessToken: usually(
    tokenBody.map((b) => `sk-ant-oat01-${b}`),
    tokenLike("sk-ant-oat01-"),
    fc.constant(""),
    fc.integer(),
  ),
  refreshToken: usually(
    tokenBody.map((b) => `sk-ant-ort01-${b}`),
    tokenLike("sk-ant-ort01-"),
    fc.constant(""),
  ),
  expiresAt: usually(
    fc.integer({ min: 1, max: 2 ** 45 }),
    fc.integer({ min: -5, max: 0 }),
    fc.double({ min: 0.1, max: 10, noNaN: true }),
    fc.constant("1700000000000"),
  ),
  scopes: usually(
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    fc.constant("user:inference"),
    fc.constant([1]),
  ),
  clientId: usually(
    fc.constant(undefined),
    fc.string({ maxLength: 5 }),
    fc.constant(7),
  ),
  loginEnded: usually(
    fc.constant(undefined),
    fc.constant("time_limit"),
    fc.constant(false),
  ),
  subscriptionType: usually(fc.constant("max")),
}).map((fields) =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined))
);

/** Random credentials documents, now and then without a usable `claudeAiOauth`. */
const credentialsDoc = fc.oneof(
  {
    weight: 9,
    arbitrary: oauthFields.map((o) => ({
      claudeAiOauth: o,
      mcpOAuth: { kept: true },
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Record<string, unknown>>(
      { claudeAiOauth: "oauth" },
      { claudeAiOauth: null },
      { claudeAiOauth: [] },
      {},
    ),
  },
);

/** A named property; check runs it over numRuns random inputs and throws with the shrunk counterexample. */
export interface Property {
  name: string;
  check(numRuns: number): void;
}

/** The properties of the `.env` edit and the credentials schema. */
export const PROPERTIES: Property[] = [
  {
    name:
      ".env edit changes exactly one assignment and leaves every other byte",
    check: (numRuns) =>
      fc.assert(
        fc.property(
          envFile,
          envKey,
          tokenBody,
          (text, key, body) => {
            const value = `sk-ant-oat01-${body}`;
            const { text: out, assignments } = setEnvValue(text, key, value);
            const expected = { ...parseDotenv(text), [key]: value };
            if (JSON.stringify(parseDotenv(out)) !== JSON.stringify(expected)) {
              return false;
            }
            const before = linesOf(text);
            const after = linesOf(out);
            if (assignments === 0) {
              const eol = /\r?\n/.exec(text)?.[0] ?? "\n"; // the file's first

              const sep = text === "" || /\n$/.test(text) ? "" : eol;
              return out === `${text}${sep}${key}=${value}${eol}`;
            }
            const differing = before.filter((line, i) => line !== after[i]);
            return after.length === before.length && differing.length <= 1;
          },
        ),
        { numRuns },
      ),
  },
  {
    name:
      "the token schema accepts exactly the prefix + visible ASCII but quotes, backslash, backtick and $",
    check: (numRuns) =>
      fc.assert(
        fc.property(
          tokenLike("sk-ant-oat01-"),
          tokenLike("sk-ant-ort01-"),
          (access, refresh) =>
            AccessToken.safeParse(access).success ===
              validToken(access, "sk-ant-oat01-") &&
            RefreshToken.safeParse(refresh).success ===
              validToken(refresh, "sk-ant-ort01-"),
        ),
        { numRuns },
      ),
  },
  {
    name:
      "the credentials schema: live, ended (exit 3) or invalid (exit 4) exactly as the rules say",
    check: (numRuns) =>
      fc.assert(
        fc.property(
          credentialsDoc,
          (doc) => credentialsOutcome(doc) === expectedOutcome(doc),
        ),
        { numRuns },
      ),
  },
];
