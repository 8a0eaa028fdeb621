/** What the install tests share: a temporary DESTDIR, stand-ins for the binary and for `deno compile`, snapshots, systemd-analyze verify. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import denoJson from "../../deno.json" with { type: "json" };
import { runCommand as run } from "../helpers/fixture.ts";
import { permissionFlags } from "./flags.ts";

export const ROOT = new URL("../..", import.meta.url).pathname.replace(
  /\/$/,
  "",
);
export const INSTALL = join(ROOT, "install.sh");
export const VERSION = denoJson.version;
export const BIN = "/usr/local/bin/sync-oauth-token";
export const LIB = "/usr/local/lib/sync-oauth-token";
export const CONF = "/etc/sync-oauth-token/config.env";
export const TARGETS = "/etc/sync-oauth-token/targets.d";
export const MANIFEST = "/etc/sync-oauth-token/installed";
export const UNITS = "/etc/systemd/system";
export const CRON = "/etc/cron.d/sync-oauth-token";
export const UNIT_FILES = [
  "sync-oauth-token.service",
  "sync-oauth-token-refresh.service",
  "sync-oauth-token-refresh.timer",
];

/** A temporary directory with a DESTDIR inside, a stand-in binary (the tool run by Deno under the shipped flags), and install.sh run into the DESTDIR. */
export async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "sot-install-" });
  const dest = join(dir, "root");
  const binary = join(dir, "sync-oauth-token");
  const flags = (await permissionFlags()).join(" ");
  await Deno.writeTextFile(
    binary,
    `#!/bin/sh\nexec ${Deno.execPath()} run ${flags} ${ROOT}/src/main.ts "$@"\n`,
  );
  await Deno.chmod(binary, 0o755);
  const env = (more: Record<string, string> = {}) => ({
    DESTDIR: dest,
    PATH: Deno.env.get("PATH")!,
    ...more,
  });
  const install = (...args: string[]) => run(["sh", INSTALL, ...args], env());
  const file = (path: string) => join(dest, path);
  const cleanup = () => Deno.remove(dir, { recursive: true });
  return { dir, dest, binary, env, install, file, cleanup };
}

export type Setup = Awaited<ReturnType<typeof setup>>;

/** How the stand-in `deno task compile` behaves: builds a working binary, cannot fetch denort (as on every machine here), fails on the code, or builds a binary that does not run. */
export type Compile = "works" | "no-denort" | "type-error" | "broken-binary";

/**
 * A copy of the source tree (install.sh, deno.json, deno.lock, src/) and a
 * bin directory whose `deno` stands in for `deno task compile` as told and
 * runs the real Deno for everything else (the source route's `deno cache`).
 */
export async function sourceTree(t: Setup, compile: Compile) {
  const src = join(t.dir, "src-tree");
  const bin = join(t.dir, "fakebin");
  await Deno.mkdir(src);
  await Deno.mkdir(bin);
  for (const f of ["install.sh", "deno.json", "deno.lock"]) {
    await Deno.copyFile(join(ROOT, f), join(src, f));
  }
  const cp = await run(["cp", "-R", join(ROOT, "src"), src]);
  assert.equal(cp.code, 0, cp.stderr);
  const task = {
    "works": `mkdir -p dist && cp ${t.binary} dist/sync-oauth-token`,
    // the real message, from deno compile on a machine without the release server
    "no-denort": `cat >&2 <<'EOF'
error: Writing deno compile executable to temporary file 'dist/sync-oauth-token.tmp-4bc2c6d715133112'

Caused by:
    0: Setting up base binary.
    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-unknown-linux-gnu.zip): client error (Connect): dns error: failed to lookup address information: Name or service not known
EOF
exit 1`,
    "type-error":
      `echo "TS2322 [ERROR]: Type 'string' is not assignable to type 'number'." >&2; exit 1`,
    "broken-binary":
      `mkdir -p dist && printf '#!/bin/sh\\necho "cannot execute binary file" >&2; exit 126\\n' > dist/sync-oauth-token && chmod 755 dist/sync-oauth-token`,
  }[compile];
  await Deno.writeTextFile(
    join(bin, "deno"),
    `#!/bin/sh\nif [ "$1 $2" = "task compile" ]; then\n${task}\nexit\nfi\nexec ${Deno.execPath()} "$@"\n`,
  );
  await Deno.chmod(join(bin, "deno"), 0o755);
  const install = (...args: string[]) =>
    run(
      ["sh", join(src, "install.sh"), ...args],
      t.env({ PATH: `${bin}:${Deno.env.get("PATH")}` }),
    );
  return { src, bin, install };
}

/** Every file under root: path, mode, mtime and a hash of the content; `skip` leaves out paths that start with it. */
export async function snapshot(
  root: string,
  skip?: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = join(dir, e.name);
      if (skip && p.startsWith(skip)) continue;
      const st = await Deno.lstat(p);
      if (e.isDirectory) {
        out[p] = `dir ${st.mode! & 0o7777}`;
        await walk(p);
      } else {
        const hash = createHash("sha256").update(await Deno.readFile(p))
          .digest("hex");
        out[p] = `${st.mode! & 0o7777} ${st.mtime?.getTime()} ${hash}`;
      }
    }
  };
  await walk(root);
  return out;
}

export async function mode(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o777;
}

export async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/** The lines of a unit file. */
export async function unitLines(t: Setup, unit: string): Promise<string[]> {
  return (await Deno.readTextFile(t.file(`${UNITS}/${unit}`))).split("\n");
}

/** Runs systemd-analyze verify on the units inside root (with the system's own units copied in); asserts it is clean. */
export async function assertUnitsVerify(root: string): Promise<void> {
  const lib = join(root, "usr/lib/systemd/system");
  await Deno.mkdir(dirname(lib), { recursive: true });
  const cp = await run(["cp", "-r", "/lib/systemd/system", lib]);
  assert.equal(cp.code, 0, cp.stderr);
  try {
    const verify = await run([
      "systemd-analyze",
      "verify",
      `--root=${root}`,
      ...UNIT_FILES.map((u) => join(UNITS, u)),
    ]);
    assert.equal(verify.code, 0, verify.stderr);
    assert.equal(
      verify.stderr + verify.stdout,
      "",
      "systemd-analyze warnings",
    );
  } finally {
    await Deno.remove(join(root, "usr/lib"), { recursive: true });
  }
}
