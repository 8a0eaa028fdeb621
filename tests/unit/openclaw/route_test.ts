import assert from "node:assert/strict";
import { chooseRoute } from "../../../src/openclaw/route.ts";

Deno.test("openclaw route: auto takes the CLI for a current release, auth-profiles for an old one with --openclaw-state, the store on disk when the CLI cannot be asked, else the classic files", () => {
  const current = { kind: "current", version: "OpenClaw 2026.9.6" } as const;
  const old = { kind: "old", version: "OpenClaw 2026.1.30" } as const;
  const absent = { kind: "absent", why: "no CLI" } as const;
  assert.equal(chooseRoute("auto", current, {}).route, "cli");
  assert.equal(
    chooseRoute("auto", old, { openclawState: "/s" }).route,
    "auth-profiles",
  );
  assert.equal(chooseRoute("auto", old, {}).route, "env-only");
  assert.match(chooseRoute("auto", old, {}).why, /--openclaw-state/);
  assert.equal(
    chooseRoute("auto", absent, { oauthJson: "/o" }).route,
    "legacy",
  );
  assert.equal(chooseRoute("auto", absent, {}).route, "env-only");
  assert.equal(chooseRoute("legacy", current, {}).route, "legacy");
  assert.match(chooseRoute("cli", undefined, {}).why, /--openclaw cli/);
  const unreachable = { kind: "unreachable", why: "cannot ask" } as const;
  const toStore = chooseRoute(
    "auto",
    unreachable,
    { oauthJson: "/o" },
    "sqlite",
  );
  assert.equal(
    toStore.route,
    "cli",
    "never the classic files to a current store",
  );
  assert.match(toStore.why, /current store/);
  assert.equal(
    chooseRoute("auto", absent, {}, "auth-profiles").route,
    "auth-profiles",
  );
});
