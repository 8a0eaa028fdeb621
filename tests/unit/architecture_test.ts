/**
 * The shape of src/: imports run downhill through the folders, in the order
 * docs/design.md gives, and no files import each other in a circle.
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";

const SRC = new URL("../../src/", import.meta.url).pathname;

/** The folders of src/ from the ground up; a file may import its own folder and the folders below it. */
const FLOORS: Record<string, number> = {
  lib: 0,
  config: 1,
  login: 2,
  sinks: 3,
  compose: 3,
  openclaw: 4,
  pass: 5,
  ops: 6,
  drivers: 7,
  ".": 8, // main.ts
};

/** Every TypeScript file under src/, relative to it. */
async function sources(dir = SRC): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) files.push(...await sources(path));
    else if (entry.name.endsWith(".ts")) files.push(relative(SRC, path));
  }
  return files.sort();
}

/** The files of src/ a file imports (static and dynamic imports of relative paths). */
async function importsOf(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(join(SRC, file));
  const specs = [
    ...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g),
  ].map((m) => m[1]);
  return specs
    .map((s) => relative(SRC, resolve(dirname(join(SRC, file)), s)))
    .filter((p) => !p.startsWith(".."));
}

/** The folder a file of src/ lives in (its first part; "." for main.ts). */
function folder(file: string): string {
  return file.includes("/") ? file.split("/")[0] : ".";
}

/** The imports of the whole tree. */
async function graph(): Promise<Map<string, string[]>> {
  const files = await sources();
  return new Map(
    await Promise.all(
      files.map(async (f) => [f, await importsOf(f)] as [string, string[]]),
    ),
  );
}

/** Imports from a folder to one on the same floor or above it. */
export function upwardImports(imports: Map<string, string[]>): string[] {
  const wrong: string[] = [];
  for (const [file, targets] of imports) {
    for (const target of targets) {
      const [from, to] = [folder(file), folder(target)];
      if (from === to) continue;
      if (!(from in FLOORS) || !(to in FLOORS)) {
        wrong.push(`${file} -> ${target}: a folder without a floor`);
      } else if (FLOORS[to] >= FLOORS[from]) {
        wrong.push(`${file} -> ${target}`);
      }
    }
  }
  return wrong;
}

/** Every circle of imports, each as the files around it. */
export function circles(imports: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    path.push(file);
    for (const next of imports.get(file) ?? []) {
      if (state.get(next) === "open") {
        found.push([...path.slice(path.indexOf(next)), next]);
      } else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of imports.keys()) if (!state.has(file)) visit(file);
  return found;
}

Deno.test("architecture: every folder of src/ imports only its own folder and the folders below it", async () => {
  const imports = await graph();
  assert.ok(imports.size > 40, "the tree was read");
  for (const file of imports.keys()) {
    assert.ok(folder(file) in FLOORS, `${file}: its folder has no floor`);
  }
  assert.deepEqual(upwardImports(imports), []);
});

Deno.test("architecture: no files of src/ import each other in a circle", async () => {
  assert.deepEqual(circles(await graph()), []);
});

Deno.test("architecture: the checks see what they guard against (an upward import, a circle)", () => {
  const planted = new Map([
    ["lib/files.ts", ["pass/pass.ts"]],
    ["pass/pass.ts", ["lib/files.ts"]],
  ]);
  assert.deepEqual(upwardImports(planted), ["lib/files.ts -> pass/pass.ts"]);
  assert.deepEqual(circles(planted), [[
    "lib/files.ts",
    "pass/pass.ts",
    "lib/files.ts",
  ]]);
  assert.deepEqual(
    upwardImports(new Map([["sinks/a.ts", ["compose/b.ts"]]])),
    ["sinks/a.ts -> compose/b.ts"],
    "two folders on one floor stay apart",
  );
});
