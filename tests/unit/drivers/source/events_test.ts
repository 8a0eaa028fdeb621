import assert from "node:assert/strict";
import {
  isDirectoryGone,
  isRelevantEvent,
  mayCreatePath,
} from "../../../../src/drivers/source/events.ts";

Deno.test("watch events: renames onto the file and CLOSE_WRITE count; temp names, locks, modify and create do not", () => {
  const f = "/c/.credentials.json";
  assert.ok(
    isRelevantEvent({
      kind: "rename",
      paths: ["/c/.credentials.json.tmp.1a2b", f],
    }, f),
  );
  assert.ok(isRelevantEvent({ kind: "rename", paths: [f] }, f));
  assert.ok(isRelevantEvent({ kind: "access", paths: [f] }, f));
  assert.ok(!isRelevantEvent({ kind: "modify", paths: [f] }, f));
  assert.ok(!isRelevantEvent({ kind: "create", paths: [f] }, f));
  assert.ok(
    !isRelevantEvent({
      kind: "access",
      paths: ["/c/.credentials.json.tmp.1a2b"],
    }, f),
  );
  assert.ok(
    !isRelevantEvent({ kind: "create", paths: ["/c/.oauth_refresh.lock"] }, f),
  );
  assert.ok(!isRelevantEvent({ kind: "rename", paths: [f, "/c/old"] }, f));
  assert.ok(isDirectoryGone({ kind: "remove", paths: ["/c"] }, "/c"));
  assert.ok(mayCreatePath({ kind: "create", paths: ["/a/b"] }, "/a", "/a/b/c"));
  assert.ok(
    !mayCreatePath({ kind: "create", paths: ["/a/x"] }, "/a", "/a/b/c"),
  );
});
