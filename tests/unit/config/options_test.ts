import assert from "node:assert/strict";
import { parseListen } from "../../../src/config/options.ts";
import { resolveSettings } from "../../../src/config/settings.ts";

Deno.test("metrics: --metrics-listen takes PORT, HOST:PORT or [IPv6]:PORT, loopback by default", () => {
  assert.deepEqual(parseListen("9464"), { hostname: "127.0.0.1", port: 9464 });
  assert.deepEqual(parseListen("0.0.0.0:9464"), {
    hostname: "0.0.0.0",
    port: 9464,
  });
  assert.deepEqual(parseListen("[::1]:9464"), { hostname: "::1", port: 9464 });
  assert.deepEqual(parseListen("localhost:1"), {
    hostname: "localhost",
    port: 1,
  });
  for (const bad of ["", "70000", "host:", "::1:9464", "a b:1"]) {
    assert.equal(parseListen(bad), undefined, bad);
  }
  assert.throws(
    () => resolveSettings({ flags: { "metrics-listen": "x:y" }, env: {} }),
    /--metrics-listen: expected PORT/,
  );
});
