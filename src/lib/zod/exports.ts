// deno-lint-ignore-file no-import-prefix -- zod's version is pinned here, not in deno.json: the tool runs and compiles with --no-config, and `deno compile` type-checks these exports
/**
 * What this tool takes from zod (zod/mini at the version pinned below), with
 * zod's English messages. `deno task zod` bundles exactly these into
 * ./zod.js, which the tool imports: the agent then loads a 50 KB module of
 * zod's code instead of the whole package through the npm layer (about 11 MiB
 * of memory and 70 ms of start-up; docs/performance.md). Add a name here and
 * run the task to use more of zod; `tests/unit/lib/zod_test.ts` fails when
 * zod.js is not what the task makes.
 */
import { config } from "npm:zod@4.6.7/mini";
import en from "npm:zod@4.6.7/v4/locales/en.js";

config(en());

export {
  _default,
  array,
  boolean,
  catch,
  discriminatedUnion,
  enum,
  literal,
  looseObject,
  minLength,
  NEVER,
  nullable,
  number,
  object,
  optional,
  pipe,
  positive,
  record,
  refine,
  regex,
  string,
  transform,
  trim,
  union,
  unknown,
} from "npm:zod@4.6.7/mini";
export type { infer, output, ZodMiniType as Schema } from "npm:zod@4.6.7/mini";
