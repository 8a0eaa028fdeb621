import assert from "node:assert/strict";
import {
  expiry,
  formatDuration,
  parseDuration,
  sleep,
  timeAgo,
  within,
} from "../../../src/lib/time.ts";

Deno.test("time: a past event reads 'ago'; one stamped just after now (another process's clock read) reads '0s ago'; expiry reads both ways", () => {
  assert.equal(timeAgo(1_000, 181_000), "3m ago");
  assert.equal(timeAgo(5_020, 5_000), "0s ago");
  assert.equal(expiry(7_200_000 + 60_000, 0), "expires in 2h 1m");
  assert.equal(expiry(0, 90_000), "expired 1m ago");
});

Deno.test("durations: what people write parses to milliseconds; a value prints back in its human form", () => {
  assert.equal(parseDuration("6h"), 6 * 3600e3);
  assert.equal(parseDuration("90"), 90e3);
  assert.equal(parseDuration("1h30m"), 5400e3);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("soon"), undefined);
  assert.equal(parseDuration("5 m"), undefined);
  assert.equal(formatDuration(250), "250ms");
  assert.equal(formatDuration(12_900), "12.9s");
  assert.equal(formatDuration(120_000), "2m");
  assert.equal(formatDuration(5400e3), "1h30m");
  assert.equal(formatDuration(6 * 3600e3), "6h");
  assert.equal(formatDuration(86400e3), "1d");
  for (const ms of [250, 1_500, 30_000, 120_000, 5400e3, 6 * 3600e3]) {
    assert.equal(parseDuration(formatDuration(ms)), ms, `round trip ${ms}`);
  }
});

Deno.test("sleep: an abort ends it at once, also when the signal was aborted before", async () => {
  const stop = new AbortController();
  const slept = sleep(60_000, stop.signal).then(() => "woke");
  stop.abort();
  assert.equal(await slept, "woke");
  assert.equal(await sleep(60_000, stop.signal).then(() => "woke"), "woke");
});

Deno.test("within: the promise's value in time, else an error with the message; no timer is left behind", async () => {
  assert.equal(await within(Promise.resolve(7), 60_000, "late"), 7);
  await assert.rejects(
    within(new Promise(() => {}), 10, "late"),
    /^Error: late$/,
  );
});
