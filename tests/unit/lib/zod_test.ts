import assert from "node:assert/strict";
import { bundle, committed } from "../../../src/lib/zod/vendor.ts";

Deno.test("zod: src/lib/zod/zod.js is exactly what `deno task zod` makes from exports.ts and the pinned zod (run the task after changing either)", async () => {
  const fresh = await bundle();
  assert.ok(fresh.includes("ZodMiniObject"), "the bundle holds zod");
  assert.ok(
    (await committed()) === fresh,
    "src/lib/zod/zod.js is stale: run `deno task zod`",
  );
});
