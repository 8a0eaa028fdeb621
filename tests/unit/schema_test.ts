import assert from "node:assert/strict";
import {
  array,
  boolean,
  describe,
  type Infer,
  literal,
  number,
  object,
  oneOf,
  optional,
  type Result,
  type Schema,
  string,
  transform,
  union,
  url,
  withDefault,
} from "../../src/schema.ts";

/** The value a schema yields for the input; fails the test when it rejects it. */
function accepted<T>(schema: Schema<T>, input: unknown): T {
  const r = schema.check(input);
  assert.ok(r.ok, `rejected ${JSON.stringify(input)}: ${!r.ok && describe(r)}`);
  return r.value;
}

/** The problem of a rejected input, described as `path: message`; fails the test when it is accepted. */
function rejected(schema: Schema<unknown>, input: unknown): string {
  const r: Result<unknown> = schema.check(input);
  assert.ok(!r.ok, `accepted ${JSON.stringify(input)}`);
  return describe(r);
}

Deno.test("schema: string checks the type, trims when asked, then min length and pattern with the given message", () => {
  assert.equal(accepted(string(), " a "), " a ");
  assert.equal(
    rejected(string(), 5),
    "(root): Invalid input: expected string, received number",
  );
  assert.equal(accepted(string({ trim: true, min: 1 }), "  x y "), "x y");
  assert.equal(
    rejected(string({ trim: true, min: 1 }), "   "),
    "(root): Too small: expected string to have >=1 characters",
  );
  const key = string({ pattern: /^[A-Z]+$/, message: "expected capitals" });
  assert.equal(accepted(key, "ABC"), "ABC");
  assert.equal(rejected(key, "AbC"), "(root): expected capitals");
  assert.equal(
    rejected(string({ pattern: /^a/ }), "b"),
    "(root): Invalid string: must match /^a/",
  );
  assert.equal(
    rejected(string({ min: 1, message: "expected a path" }), ""),
    "(root): expected a path",
  );
});

Deno.test("schema: number checks the type, int (safe integers only) and positive", () => {
  const expiry = number({ int: true, positive: true });
  assert.equal(accepted(expiry, 1_700_000_000_000), 1_700_000_000_000);
  assert.equal(accepted(number(), -1.5), -1.5);
  assert.equal(
    rejected(expiry, "1"),
    "(root): Invalid input: expected number, received string",
  );
  for (const bad of [1.5, 2 ** 60]) {
    assert.equal(
      rejected(expiry, bad),
      "(root): Invalid input: expected int, received number",
    );
  }
  for (const bad of [0, -1]) {
    assert.equal(
      rejected(expiry, bad),
      "(root): Too small: expected number to be >0",
    );
  }
});

Deno.test("schema: boolean, literal and oneOf accept exactly their values and name them when rejecting", () => {
  assert.equal(accepted(boolean(), false), false);
  assert.equal(
    rejected(boolean(), "true"),
    "(root): Invalid input: expected boolean, received string",
  );
  assert.equal(accepted(literal(""), ""), "");
  assert.equal(accepted(literal(0), 0), 0);
  assert.equal(rejected(literal(0), "0"), "(root): Invalid input: expected 0");
  assert.equal(
    rejected(literal(""), " "),
    '(root): Invalid input: expected ""',
  );
  const restart = oneOf(["recreate", "none"]);
  assert.equal(accepted(restart, "none"), "none");
  assert.equal(
    rejected(restart, "x"),
    '(root): Invalid option: expected one of "recreate"|"none"',
  );
});

Deno.test("schema: optional lets undefined through; withDefault replaces it by a fresh copy of the default", () => {
  assert.equal(accepted(optional(string()), undefined), undefined);
  assert.equal(accepted(optional(string()), "a"), "a");
  assert.match(rejected(optional(string()), null), /received null/);
  const list = withDefault(array(string()), []);
  accepted(list, undefined).push("changed");
  assert.deepEqual(accepted(list, undefined), [], "the default is not shared");
  assert.deepEqual(accepted(list, ["a"]), ["a"]);
  assert.match(rejected(list, "a"), /expected array, received string/);
});

Deno.test("schema: array checks every item and names the failing index", () => {
  assert.deepEqual(accepted(array(number()), [1, 2]), [1, 2]);
  assert.equal(
    rejected(array(number()), [1, "2"]),
    "1: Invalid input: expected number, received string",
  );
  assert.equal(
    rejected(array(number()), { 0: 1 }),
    "(root): Invalid input: expected array, received object",
  );
});

const Oauth = object({
  accessToken: string({ min: 1 }),
  expiresAt: optional(number()),
  scopes: withDefault(array(string()), []),
});
const File = object({ claudeAiOauth: Oauth });

Deno.test("schema: object keeps unknown keys (after the shape's, in order) and leaves absent optional keys out", () => {
  const doc = accepted(File, {
    mcpOAuth: { a: 1 },
    claudeAiOauth: { tier: "max", accessToken: "t", expiresAt: 5 },
  });
  assert.deepEqual(doc, {
    claudeAiOauth: { accessToken: "t", expiresAt: 5, scopes: [], tier: "max" },
    mcpOAuth: { a: 1 },
  });
  assert.deepEqual(Object.keys(doc), ["claudeAiOauth", "mcpOAuth"]);
  assert.deepEqual(Object.keys(doc.claudeAiOauth), [
    "accessToken",
    "expiresAt",
    "scopes",
    "tier",
  ]);
  const bare = accepted(Oauth, { accessToken: "t" });
  assert.ok(!("expiresAt" in bare));
  const proto = accepted(
    Oauth,
    JSON.parse('{"accessToken":"t","__proto__":1}'),
  );
  assert.ok(Object.hasOwn(proto, "__proto__"), "kept as a plain field");
});

Deno.test("schema: object problems carry the full path; a missing object or a non-object is named", () => {
  assert.equal(
    rejected(File, { claudeAiOauth: { accessToken: "t", expiresAt: "5" } }),
    "claudeAiOauth.expiresAt: Invalid input: expected number, received string",
  );
  assert.equal(
    rejected(File, { claudeAiOauth: { accessToken: "t", scopes: ["a", 2] } }),
    "claudeAiOauth.scopes.1: Invalid input: expected string, received number",
  );
  assert.equal(
    rejected(File, {}),
    "claudeAiOauth: Invalid input: expected object, received undefined",
  );
  assert.equal(
    rejected(File, [1]),
    "(root): Invalid input: expected object, received array",
  );
  assert.equal(
    rejected(File, null),
    "(root): Invalid input: expected object, received null",
  );
  assert.equal(
    rejected(Oauth, { accessToken: "", expiresAt: "x" }),
    "accessToken: Too small: expected string to have >=1 characters",
    "the first key of the shape that fails",
  );
});

Deno.test("schema: union takes the first branch that passes and reports the first branch's problem when none does", () => {
  const Live = object({ accessToken: string({ min: 1 }), expiresAt: number() });
  const Ended = object({
    accessToken: literal(""),
    loginEnded: optional(string()),
  });
  const Login = object({ claudeAiOauth: union(Live, Ended) });
  assert.deepEqual(
    accepted(Login, { claudeAiOauth: { accessToken: "t", expiresAt: 1 } })
      .claudeAiOauth,
    { accessToken: "t", expiresAt: 1 },
  );
  assert.deepEqual(
    accepted(Login, { claudeAiOauth: { accessToken: "", loginEnded: "x" } })
      .claudeAiOauth,
    { accessToken: "", loginEnded: "x" },
  );
  assert.equal(
    rejected(Login, { claudeAiOauth: { accessToken: "", loginEnded: false } }),
    "claudeAiOauth.accessToken: Too small: expected string to have >=1 characters",
  );
  assert.equal(
    rejected(Login, { claudeAiOauth: { accessToken: "t" } }),
    "claudeAiOauth.expiresAt: Invalid input: expected number, received undefined",
  );
});

Deno.test("schema: transform converts the base's value; undefined from the conversion fails with its message", () => {
  const seconds = transform(
    string(),
    (s) => /^\d+s$/.test(s) ? Number.parseInt(s) * 1000 : undefined,
    "expected a duration",
  );
  assert.equal(accepted(seconds, "90s"), 90_000);
  assert.equal(rejected(seconds, "soon"), "(root): expected a duration");
  assert.equal(
    rejected(seconds, 90),
    "(root): Invalid input: expected string, received number",
  );
  assert.equal(
    accepted(object({ settle: withDefault(seconds, 1000) }), {}).settle,
    1000,
    "a default is the converted value, not converted again",
  );
});

Deno.test("schema: url accepts a parseable URL (trimmed) and checks the protocol when given", () => {
  assert.equal(accepted(url(), " https://a.example/x "), "https://a.example/x");
  assert.equal(rejected(url(), "nope"), "(root): Invalid URL");
  const gateway = url(["ws:", "wss:"]);
  assert.equal(accepted(gateway, "wss://h:1"), "wss://h:1");
  assert.equal(
    rejected(gateway, "http://h:1"),
    "(root): Invalid URL (expected ws: or wss:)",
  );
  assert.equal(
    rejected(gateway, "nope"),
    "(root): Invalid URL (expected ws: or wss:)",
  );
});

Deno.test("schema: Infer derives the static type: optional keys optional, defaults required, literals kept", () => {
  const Shape = object({
    name: string(),
    port: optional(number()),
    mode: withDefault(oneOf(["a", "b"]), "a"),
    ended: literal(""),
  });
  const value: Infer<typeof Shape> = { name: "n", mode: "b", ended: "" };
  // @ts-expect-error: a required key is missing
  const missing: Infer<typeof Shape> = { mode: "a", ended: "" };
  // @ts-expect-error: a value outside the enum
  const outside: Infer<typeof Shape> = { name: "n", mode: "c", ended: "" };
  assert.deepEqual(accepted(Shape, value), value);
  assert.ok(missing && outside);
});
