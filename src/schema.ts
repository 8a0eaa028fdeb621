/**
 * A small validator of untrusted input (the credentials file, the token
 * endpoint's answer, OpenClaw's output, configuration values): a schema checks
 * a value and yields it typed, or the first problem with the path where it
 * was found. It stands in for zod, whose npm import alone costs the watch
 * agent about 13 MiB of memory.
 */

/** What failed a check, and where: keys and indexes from the input down. */
export interface Problem {
  ok: false;
  path: (string | number)[];
  message: string;
}

/** The outcome of a check: the value, or the first problem. */
export type Result<T> = { ok: true; value: T } | Problem;

/** A check of unknown input that yields a T. */
export interface Schema<T> {
  /** The input as a T (trimmed, converted or defaulted), or the first problem. */
  check(input: unknown): Result<T>;
}

/** The type a schema yields. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

/** A problem as `path.to.field: message`; `(root)` when it is the input itself. */
export function describe(problem: Problem): string {
  return `${problem.path.join(".") || "(root)"}: ${problem.message}`;
}

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = (message: string): Problem => ({ ok: false, path: [], message });

/** A problem with the input's type, naming what was received. */
function expected(type: string, input: unknown): Problem {
  const kind = input === null
    ? "null"
    : Array.isArray(input)
    ? "array"
    : typeof input;
  return fail(`Invalid input: expected ${type}, received ${kind}`);
}

/** A string, trimmed first if asked; `message` replaces the default one of a failed min or pattern check. */
export function string(
  options: {
    trim?: boolean;
    min?: number;
    pattern?: RegExp;
    message?: string;
  } = {},
): Schema<string> {
  const { trim, min = 0, pattern, message } = options;
  return {
    check(input) {
      if (typeof input !== "string") return expected("string", input);
      const s = trim ? input.trim() : input;
      if (s.length < min) {
        return fail(
          message ?? `Too small: expected string to have >=${min} characters`,
        );
      }
      if (pattern && !pattern.test(s)) {
        return fail(message ?? `Invalid string: must match ${pattern}`);
      }
      return ok(s);
    },
  };
}

/** A number; `int` asks for a safe integer, `positive` for one above 0. */
export function number(
  options: { int?: boolean; positive?: boolean } = {},
): Schema<number> {
  return {
    check(input) {
      if (typeof input !== "number") return expected("number", input);
      if (options.int && !Number.isSafeInteger(input)) {
        return fail("Invalid input: expected int, received number");
      }
      if (options.positive && !(input > 0)) {
        return fail("Too small: expected number to be >0");
      }
      return ok(input);
    },
  };
}

/** true or false. */
export function boolean(): Schema<boolean> {
  return {
    check: (input) =>
      typeof input === "boolean" ? ok(input) : expected("boolean", input),
  };
}

/** Exactly this value. */
export function literal<const V extends string | number>(value: V): Schema<V> {
  return {
    check: (input) =>
      input === value
        ? ok(value)
        : fail(`Invalid input: expected ${JSON.stringify(value)}`),
  };
}

/** One of these strings. */
export function oneOf<const V extends string>(
  values: readonly V[],
): Schema<V> {
  const list = values.map((v) => JSON.stringify(v)).join("|");
  return {
    check: (input) =>
      values.includes(input as V)
        ? ok(input as V)
        : fail(`Invalid option: expected one of ${list}`),
  };
}

/** The schema, or undefined when the input is undefined (absent). */
export function optional<T>(schema: Schema<T>): Schema<T | undefined> {
  return {
    check: (input) => input === undefined ? ok(undefined) : schema.check(input),
  };
}

/** The schema, or (a copy of) the value when the input is undefined (absent). */
export function withDefault<T>(
  schema: Schema<T>,
  value: NoInfer<T>,
): Schema<T> {
  return {
    check: (input) =>
      input === undefined ? ok(structuredClone(value)) : schema.check(input),
  };
}

/** A problem found inside an object or array, its path prefixed by the key. */
function at(key: string | number, problem: Problem): Problem {
  return { ...problem, path: [key, ...problem.path] };
}

/** An array whose every item passes the item schema. */
export function array<T>(item: Schema<T>): Schema<T[]> {
  return {
    check(input) {
      if (!Array.isArray(input)) return expected("array", input);
      const items: T[] = [];
      for (const [i, value] of input.entries()) {
        const r = item.check(value);
        if (!r.ok) return at(i, r);
        items.push(r.value);
      }
      return ok(items);
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKey<S extends Shape> = {
  [K in keyof S]: undefined extends Infer<S[K]> ? K : never;
}[keyof S];

/** An object of a shape: optional where the schema allows undefined, unknown keys kept. */
export type ObjectOf<S extends Shape> =
  & { [K in Exclude<keyof S, OptionalKey<S>>]: Infer<S[K]> }
  & { [K in OptionalKey<S>]?: Infer<S[K]> }
  & { [key: string]: unknown };

/** An object whose keys pass the shape's schemas (in shape order); unknown keys are kept, after them. */
export function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  return {
    check(input) {
      if (typeof input !== "object" || input === null || Array.isArray(input)) {
        return expected("object", input);
      }
      const fields = input as Record<string, unknown>;
      const entries: [string, unknown][] = [];
      for (const [key, schema] of Object.entries(shape)) {
        const r = schema.check(
          Object.hasOwn(fields, key) ? fields[key] : undefined,
        );
        if (!r.ok) return at(key, r);
        if (r.value !== undefined) entries.push([key, r.value]);
      }
      for (const entry of Object.entries(fields)) {
        if (!Object.hasOwn(shape, entry[0])) entries.push(entry);
      }
      return ok(Object.fromEntries(entries) as ObjectOf<S>);
    },
  };
}

/** The first schema, else the second; when both fail, the first one's problem. */
export function union<A, B>(
  first: Schema<A>,
  second: Schema<B>,
): Schema<A | B> {
  return {
    check(input) {
      const r = first.check(input);
      if (r.ok) return r;
      const s = second.check(input);
      return s.ok ? s : r;
    },
  };
}

/** The base schema's value converted; a conversion to undefined fails with the message. */
export function transform<T, U>(
  base: Schema<T>,
  convert: (value: T) => U | undefined,
  message: string,
): Schema<U> {
  return {
    check(input) {
      const r = base.check(input);
      if (!r.ok) return r;
      const value = convert(r.value);
      return value === undefined ? fail(message) : ok(value);
    },
  };
}

/** A URL (trimmed), with a protocol among `protocols` (e.g. "wss:") when given. */
export function url(protocols?: readonly string[]): Schema<string> {
  return transform(
    string({ trim: true }),
    (s) => {
      const protocol = URL.parse(s)?.protocol;
      return protocol && (protocols ?? [protocol]).includes(protocol)
        ? s
        : undefined;
    },
    protocols
      ? `Invalid URL (expected ${protocols.join(" or ")})`
      : "Invalid URL",
  );
}
