import assert from "node:assert/strict";
import { acquireLock } from "../../../src/lib/locks.ts";

Deno.test("lock: an optional lock whose directory refuses it is skipped; a required one is an error", async () => {
  // /proc refuses mkdir, even to root: a stand-in for a read-only home.
  const path = "/proc/sync-oauth-token-test.lock";
  const options = { staleMs: 1000, retries: 0, retryDelayMs: 1 };
  const skipped = await acquireLock(path, { ...options, optional: true });
  await skipped.release();
  await assert.rejects(acquireLock(path, options));
});
