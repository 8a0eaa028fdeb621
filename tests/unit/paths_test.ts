import assert from "node:assert/strict";
import * as node from "node:path";
import fc from "fast-check";
import {
  basename,
  dirname,
  isAbsolute,
  join,
  normalize,
  resolve,
} from "../../src/paths.ts";

/** Path-like strings built from the pieces that make paths hard: empty parts, `.`, `..`, repeated slashes. */
const pathText = fc.array(
  fc.constantFrom("", ".", "..", "a", "b.json", ".env", "/", "//"),
  { maxLength: 8 },
).map((parts) => parts.join("/"));

/** node's answer without the trailing slash it keeps and this module drops. */
function nodeAnswer(path: string): string {
  return path.length > 1 && path.endsWith("/") && path !== "./"
    ? path.slice(0, -1)
    : path === "./"
    ? "."
    : path;
}

Deno.test("paths: normalize, join, resolve, dirname, basename and isAbsolute answer as node:path's POSIX ones", () => {
  fc.assert(
    fc.property(pathText, pathText, (a, b) => {
      fc.pre(!a.startsWith("//")); // implementation-defined in POSIX; node keeps it
      assert.equal(normalize(a), nodeAnswer(node.posix.normalize(a)), a);
      assert.equal(join(a, b), nodeAnswer(node.posix.join(a, b)), `${a} ${b}`);
      assert.equal(resolve(a, b), node.posix.resolve(a, b), `${a} ${b}`);
      assert.equal(dirname(a), node.posix.dirname(a), a);
      assert.equal(basename(a), node.posix.basename(a), a);
      assert.equal(isAbsolute(a), node.posix.isAbsolute(a), a);
    }),
    { numRuns: 5_000 },
  );
});

Deno.test("paths: the names the tool derives come out as expected", () => {
  assert.equal(dirname("/home/u/.claude/.credentials.json"), "/home/u/.claude");
  assert.equal(
    basename("/home/u/.claude/.credentials.json"),
    ".credentials.json",
  );
  assert.equal(
    join("/srv/openclaw", "state", "openclaw.sqlite"),
    "/srv/openclaw/state/openclaw.sqlite",
  );
  assert.equal(resolve("/srv/a", "../b"), "/srv/b");
  assert.equal(dirname("name"), ".");
});
