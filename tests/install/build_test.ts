/** install.sh without --binary or --url: the compiled binary when `deno task compile` works, the source and a launcher when it cannot get Deno's runtime, and nothing when the build is broken. */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  BIN,
  exists,
  LIB,
  MANIFEST,
  mode,
  ROOT,
  setup,
  snapshot,
  sourceTree,
  VERSION,
} from "./setup.ts";

Deno.test("install.sh, deno compile works: installs the compiled binary and says so", async () => {
  const t = await setup();
  try {
    const s = await sourceTree(t, "works");
    const out = await s.install("--init", "cron", "--user", "root");
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^build {6}deno task compile in /m);
    assert.match(
      out.stdout,
      /^program {4}the compiled binary \(deno task compile\)$/m,
    );
    assert.equal(
      await Deno.readTextFile(t.file(BIN)),
      await Deno.readTextFile(t.binary),
    );
    assert.equal(await exists(t.file(LIB)), false, "no source installed");
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh, deno compile cannot fetch denort: installs the source, its dependencies and a launcher, says so, and a second run changes nothing", async () => {
  const t = await setup();
  try {
    const s = await sourceTree(t, "no-denort");
    const args = ["--init", "cron", "--user", "root"];
    const out = await s.install(...args);
    assert.equal(out.code, 0, out.stderr);
    assert.match(
      out.stdout,
      /^source {5}deno compile cannot get Deno's runtime for binaries \(.*https:\/\/dl\.deno\.land\/release\/v2\.9\.6\/denort-x86_64-unknown-linux-gnu\.zip.*\): installing the source and a launcher$/m,
    );
    assert.match(
      out.stdout,
      new RegExp(`^installed {2}${LIB} \\(\\d+ files\\)$`, "m"),
    );
    assert.match(
      out.stdout,
      new RegExp(
        `^program {4}from source: ${BIN} runs ${LIB} with ${
          RegExp.escape(Deno.execPath())
        }$`,
        "m",
      ),
    );

    // the source as it is in the tree, byte for byte
    for (
      const f of [
        "deno.json",
        "src/main.ts",
        "src/flags.sh",
        "src/config/options.ts",
      ]
    ) {
      assert.equal(
        await Deno.readTextFile(t.file(`${LIB}/${f}`)),
        await Deno.readTextFile(join(ROOT, f)),
        f,
      );
    }
    // the source compiled for the launcher; no package to cache
    assert.ok(await exists(t.file(`${LIB}/deno-dir`)), "deno-dir made");
    assert.ok(
      !await exists(t.file(`${LIB}/deno-dir/npm/registry.npmjs.org`)),
      "no npm package fetched",
    );
    const launcher = await Deno.readTextFile(t.file(BIN));
    assert.equal(await mode(t.file(BIN)), 0o755);
    assert.match(launcher, /^#!\/bin\/sh\n/);
    assert.match(
      launcher,
      new RegExp(`^export DENO_DIR=${LIB}/deno-dir$`, "m"),
    );
    assert.match(
      launcher,
      new RegExp(
        `^exec ${RegExp.escape(Deno.execPath())} run --cached-only \\\\$`,
        "m",
      ),
    );
    assert.match(launcher, new RegExp(`^  ${LIB}/src/main\\.ts "\\$@"$`, "m"));
    assert.match(
      await Deno.readTextFile(t.file(MANIFEST)),
      new RegExp(`^${LIB}/$`, "m"),
    );
    // readable by the user the units run as
    assert.equal(await mode(t.file(`${LIB}/src/main.ts`)), 0o644);
    assert.equal((await mode(t.file(`${LIB}/deno-dir`))) & 0o005, 0o005);

    const before = await snapshot(t.dest, t.file(`${LIB}/deno-dir`));
    const again = await s.install(...args);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      new RegExp(`^unchanged {2}${LIB} \\(\\d+ files\\)$`, "m"),
    );
    assert.match(again.stdout, new RegExp(`^unchanged {2}${BIN}$`, "m"));
    assert.deepEqual(await snapshot(t.dest, t.file(`${LIB}/deno-dir`)), before);

    // a file the next version no longer has goes
    await Deno.writeTextFile(t.file(`${LIB}/src/gone.ts`), "export {};\n");
    assert.equal((await s.install(...args)).code, 0);
    assert.equal(await exists(t.file(`${LIB}/src/gone.ts`)), false);

    const un = await s.install("--uninstall");
    assert.equal(un.code, 0, un.stderr);
    assert.match(un.stdout, new RegExp(`^removed {4}${LIB}/$`, "m"));
    assert.equal(await exists(t.file(LIB)), false);
    assert.equal(await exists(t.file(BIN)), false);
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh: a binary installed over a source install takes the source away; --from-source skips the compile", async () => {
  const t = await setup();
  try {
    const s = await sourceTree(t, "works");
    const src = await s.install(
      "--from-source",
      "--init",
      "cron",
      "--user",
      "root",
    );
    assert.equal(src.code, 0, src.stderr);
    assert.doesNotMatch(src.stdout, /deno task compile/);
    assert.match(
      src.stdout,
      /^source {5}--from-source: installing the source and a launcher$/m,
    );
    assert.equal(await exists(t.file(`${LIB}/src/main.ts`)), true);

    const bin = await s.install("--init", "cron", "--user", "root");
    assert.equal(bin.code, 0, bin.stderr);
    assert.match(
      bin.stdout,
      new RegExp(`^removed {4}${LIB} \\(an earlier source install\\)$`, "m"),
    );
    assert.equal(await exists(t.file(LIB)), false);
    assert.equal(
      await Deno.readTextFile(t.file(BIN)),
      await Deno.readTextFile(t.binary),
    );
  } finally {
    await t.cleanup();
  }
});

for (
  const [compile, message] of [
    ["type-error", /deno task compile failed \(above\); nothing was installed/],
    [
      "broken-binary",
      /the compiled binary .* does not run; nothing was installed from it/,
    ],
  ] as const
) {
  Deno.test(`install.sh, deno compile ${compile}: stops with the reason and installs nothing (no fallback hides a broken build)`, async () => {
    const t = await setup();
    try {
      const s = await sourceTree(t, compile);
      const out = await s.install("--init", "cron", "--user", "root");
      assert.equal(out.code, 1, out.stdout);
      assert.match(out.stderr, message);
      if (compile === "type-error") assert.match(out.stderr, /TS2322/);
      else assert.match(out.stderr, /cannot execute binary file/);
      assert.doesNotMatch(out.stdout, /^source/m);
      assert.equal(await exists(t.dest), false, "nothing written");
    } finally {
      await t.cleanup();
    }
  });
}

Deno.test("install.sh: the version check refuses a binary that prints another version", async () => {
  const t = await setup();
  try {
    const s = await sourceTree(t, "works");
    await Deno.writeTextFile(
      join(s.src, "deno.json"),
      (await Deno.readTextFile(join(s.src, "deno.json"))).replace(
        `"version": "${VERSION}"`,
        '"version": "9.9.9"',
      ),
    );
    const out = await s.install("--init", "cron", "--user", "root");
    assert.equal(out.code, 1);
    assert.match(
      out.stderr,
      new RegExp(`printed '${VERSION}' for --version, not 9\\.9\\.9`),
    );
    assert.equal(await exists(t.dest), false);
  } finally {
    await t.cleanup();
  }
});
