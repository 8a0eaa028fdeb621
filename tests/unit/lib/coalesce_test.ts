import assert from "node:assert/strict";
import { backoffDelay, Coalescer } from "../../../src/lib/coalesce.ts";

Deno.test("coalescer: requests during a run cause exactly one more run, ending in the last state", async () => {
  let state = 0;
  const seen: number[] = [];
  let release!: () => void;
  const c = new Coalescer(async () => {
    seen.push(state);
    await new Promise<void>((r) => (release = r));
  });
  c.request();
  for (let i = 1; i <= 50; i++) {
    state = i;
    c.request();
  }
  release();
  await new Promise((r) => setTimeout(r, 0));
  release();
  await c.idle();
  assert.deepEqual(seen, [0, 50]);
});

Deno.test("backoff: doubles from the base up to the cap; jitter keeps it between half the ceiling and the ceiling", () => {
  assert.deepEqual([0, 1, 2, 10].map((n) => backoffDelay(n, 1000, 5000)), [
    1000,
    2000,
    4000,
    5000,
  ]);
  assert.equal(backoffDelay(3, 1000, 60000, () => 0), 4000);
  assert.equal(backoffDelay(3, 1000, 60000, () => 0.5), 6000);
  assert.equal(backoffDelay(99, 15000, 900000, () => 0.999999), 899999);
});
