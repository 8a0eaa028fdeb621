/**
 * What this tool takes from zod (zod/mini, the pinned npm:zod in deno.json),
 * with zod's English messages. `deno task zod` bundles exactly these into
 * ./zod.js, which the tool imports: the agent then loads a 50 KB module of
 * zod's code instead of the whole package through the npm layer (about 11 MiB
 * of memory and 70 ms of start-up; docs/performance.md). Add a name here and
 * run the task to use more of zod; `tests/unit/lib/zod_test.ts` fails when
 * zod.js is not what the task makes.
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

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
} from "zod/mini";
export type { infer, output, ZodMiniType as Schema } from "zod/mini";
