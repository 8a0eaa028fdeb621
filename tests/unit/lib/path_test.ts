import assert from "node:assert/strict";
import * as node from "node:path";
import {
  basename,
  delimiter,
  dirname,
  isAbsolute,
  join,
  resolve,
} from "../../../src/lib/path.ts";

const PATHS = [
  "",
  ".",
  "..",
  "/",
  "//",
  "a",
  "a/",
  "a//b",
  "/a",
  "/a/",
  "//a",
  "/a/b",
  "/a/b/",
  "/a/b//",
  "/a/./b",
  "/a/../b",
  "/../a",
  "../a",
  "a/../..",
  "./a/b/..",
  "/srv/openclaw/.env",
  "/home/alice/.claude/.credentials.json",
  ".credentials.json",
];

Deno.test("path: dirname, basename and isAbsolute answer as node:path does for every shape of path", () => {
  for (const p of PATHS) {
    assert.equal(dirname(p), node.dirname(p), `dirname(${JSON.stringify(p)})`);
    assert.equal(
      basename(p),
      node.basename(p),
      `basename(${JSON.stringify(p)})`,
    );
    assert.equal(isAbsolute(p), node.isAbsolute(p), JSON.stringify(p));
  }
  assert.equal(delimiter, node.delimiter);
});

Deno.test("path: join and resolve answer as node:path does, for one path and for every pair, the working directory last", () => {
  const pairs = PATHS.flatMap((a) => PATHS.map((b) => [a, b]));
  for (const parts of [...PATHS.map((p) => [p]), ...pairs, ["a", "", "b"]]) {
    const shown = JSON.stringify(parts);
    assert.equal(join(...parts), node.join(...parts), `join(${shown})`);
    assert.equal(
      resolve(...parts),
      node.resolve(...parts),
      `resolve(${shown})`,
    );
  }
  assert.equal(join(), node.join());
  assert.equal(resolve(), node.resolve());
});
