/** Hostile files: sinks and temp names swapped for links, FIFOs, directories and huge files. */
import assert from "node:assert/strict";
import { lchown } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { envValue } from "../../src/lib/dotenv.ts";
import { restartMarker } from "../../src/pass/restart.ts";
import { waitFor, type Workspace } from "../helpers/fixture.ts";
import {
  dispose,
  type FaultCase,
  faultLogin,
  runTool,
  snapshot,
  tempsIn,
  touched,
  workspace,
} from "./harness.ts";

const ENV = "# gateway\nANTHROPIC_OAUTH_TOKEN=old\nOTHER=1\n";
/** The uid of the attacker: another local user, say the gateway container's. */
const ATTACKER = 1000;

/** Files another user would like written: a dotenv and a JSON file (each a sink would happily edit), mode 0640. */
async function victims(ws: Workspace): Promise<{ env: string; json: string }> {
  const env = join(ws.root, "victim.env");
  const json = join(ws.root, "victim.json");
  await Deno.writeTextFile(env, "VICTIM=1\n", { mode: 0o640 });
  await Deno.writeTextFile(json, '{"victim":1}\n', { mode: 0o640 });
  return { env, json };
}

/** Bytes, mode and owner of a file, to show it was not touched. */
async function fingerprintFile(path: string): Promise<string> {
  const s = await Deno.lstat(path);
  return `${await Deno.readTextFile(path)} ${s.mode} ${s.uid}:${s.gid}`;
}

/** Replaces the path with a symbolic link to target made by the attacker's uid. */
async function plantLink(path: string, target: string): Promise<void> {
  await Deno.remove(path).catch(() => {});
  await Deno.symlink(target, path);
  await lchown(path, ATTACKER, ATTACKER);
}

/** A temp name writeFileAtomic could use for the file. */
function tempName(path: string, hexDigit: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.sot-${hexDigit.repeat(16)}.tmp`,
  );
}

/** An attacker (run as another uid) that swaps every temp file the tool creates for a link to the victim. */
const ATTACKER_SCRIPT = `const [dir, victim, countFile] = Deno.args;
let swaps = 0;
Deno.addSignalListener("SIGTERM", () => {
  Deno.writeTextFileSync(countFile, String(swaps));
  Deno.exit(0);
});
const watcher = Deno.watchFs(dir, { recursive: false });
Deno.writeTextFileSync(countFile, "ready");
for await (const event of watcher) {
  if (event.kind !== "create") continue;
  for (const path of event.paths) {
    if (!/\\.sot-[0-9a-f]{16}\\.tmp$/.test(path)) continue;
    try {
      Deno.removeSync(path);
      Deno.symlinkSync(victim, path);
      swaps++;
    } catch { /* the tool was faster */ }
  }
}
`;

const RACE_ROUNDS = 12;

/** The three hostile kinds a file can be replaced by: a FIFO, a directory, a 5 MiB file. */
const KINDS: { kind: string; make(path: string): Promise<void> }[] = [
  {
    kind: "a FIFO",
    async make(path) {
      const made = await new Deno.Command("mkfifo", { args: [path] }).output();
      assert.ok(made.success, "mkfifo");
    },
  },
  { kind: "a directory", make: (path) => Deno.mkdir(path) },
  {
    kind: "5 MiB",
    make: (path) =>
      Deno.writeTextFile(path, `{"x":"${"a".repeat(5 * 1024 * 1024)}"}`),
  },
];

export const hostileFileCases: FaultCase[] = [
  {
    name: "hostile: .env and oauth.json swapped for another user's links",
    async run() {
      const ws = await workspace(ENV);
      try {
        const target = await victims(ws);
        const flags = ws.flags("--once", "--oauth-json", ws.oauthJson);
        await ws.writeLogin(faultLogin());
        const first = await runTool(ws, flags, "hostile links, first pass");
        assert.equal(first.code, 0, first.stderr);
        await plantLink(ws.envFile, target.env);
        await plantLink(ws.oauthJson, target.json);
        const victimsBefore = [
          await fingerprintFile(target.env),
          await fingerprintFile(target.json),
        ];
        await ws.writeLogin(faultLogin());
        const before = await snapshot(ws.root);
        const out = await runTool(ws, flags, "hostile links");
        const after = await snapshot(ws.root);
        assert.equal(out.code, 1, out.stderr);
        const refusals = out.stderr.split("\n").filter((l) =>
          /made by uid 1000, neither this user nor root: refusing to write through it/
            .test(l)
        );
        assert.equal(refusals.length, 2, out.stderr);
        assert.deepEqual(touched(before, after, [ws.dockerLog]), []);
        assert.deepEqual(victimsBefore, [
          await fingerprintFile(target.env),
          await fingerprintFile(target.json),
        ]);
        return "exit 1, both refused: made by uid 1000, neither this user nor root: refusing to write through it; victims and links untouched";
      } finally {
        await dispose(ws);
      }
    },
  },
  {
    name:
      "hostile: leftover temp names planted as a link, a FIFO and a directory",
    async run() {
      const ws = await workspace(ENV);
      try {
        const target = await victims(ws);
        await Deno.mkdir(ws.stateDir, { recursive: true });
        const marker = restartMarker(ws.stateDir, "default");
        const planted = [
          tempName(ws.envFile, "a"),
          tempName(ws.envFile, "b"),
          tempName(ws.oauthJson, "c"),
          tempName(marker, "d"),
        ];
        await plantLink(planted[0], target.env);
        await new Deno.Command("mkfifo", { args: [planted[1]] }).output();
        await Deno.mkdir(planted[2]);
        await plantLink(planted[3], target.env);
        const victimBefore = await fingerprintFile(target.env);
        const login = faultLogin();
        await ws.writeLogin(login);
        const out = await runTool(
          ws,
          ws.flags("--once", "--oauth-json", ws.oauthJson),
          "planted temp names",
        );
        assert.equal(out.code, 0, out.stderr);
        assert.equal(
          envValue(
            await Deno.readTextFile(ws.envFile),
            "ANTHROPIC_OAUTH_TOKEN",
          ),
          login.accessToken,
        );
        assert.equal(await fingerprintFile(target.env), victimBefore);
        const left = [
          ...tempsIn(ws.composeDir),
          ...tempsIn(join(ws.root, "openclaw", "credentials")),
          ...tempsIn(ws.stateDir),
        ];
        assert.deepEqual(left, [], "planted names removed");
        return `${planted.length} planted names removed, none followed; delivered; victim untouched`;
      } finally {
        await dispose(ws);
      }
    },
  },
  {
    name:
      `hostile: temp files swapped for links while written (${RACE_ROUNDS} runs, racing attacker)`,
    timeoutMs: 90_000,
    async run() {
      const ws = await workspace(ENV);
      let attacker: Deno.ChildProcess | undefined;
      try {
        const target = await victims(ws);
        const victimBefore = await fingerprintFile(target.env);
        const home = join(ws.root, "attacker");
        await Deno.mkdir(home);
        const script = join(home, "attacker.js");
        const count = join(home, "count");
        await Deno.writeTextFile(script, ATTACKER_SCRIPT);
        await Deno.chmod(ws.root, 0o755);
        for (const dir of [home, ws.composeDir]) {
          await Deno.chown(dir, ATTACKER, ATTACKER);
        }
        attacker = new Deno.Command("setpriv", {
          args: [
            `--reuid=${ATTACKER}`,
            `--regid=${ATTACKER}`,
            "--clear-groups",
            Deno.execPath(),
            "run",
            "-A",
            "--no-config",
            script,
            ws.composeDir,
            target.env,
            count,
          ],
          env: { HOME: home, DENO_DIR: join(home, "deno") },
          stdin: "null",
          stdout: "null",
          stderr: "null",
        }).spawn();
        await waitFor(
          "the attacker",
          async () =>
            await Deno.readTextFile(count).catch(() => "") === "ready",
          20_000,
        );
        let delivered = 0;
        let refused = 0;
        let hijacked = 0;
        for (let round = 0; round < RACE_ROUNDS; round++) {
          const login = faultLogin();
          await ws.writeLogin(login);
          const out = await runTool(ws, ws.flags("--once"), "racing attacker");
          assert.equal(await fingerprintFile(target.env), victimBefore);
          const env = await Deno.lstat(ws.envFile);
          if (env.isSymlink) {
            assert.equal(env.uid, ATTACKER);
            hijacked++;
            await Deno.remove(ws.envFile);
            await Deno.writeTextFile(ws.envFile, ENV);
            continue;
          }
          const value = envValue(
            await Deno.readTextFile(ws.envFile),
            "ANTHROPIC_OAUTH_TOKEN",
          );
          if (out.code === 0) {
            assert.equal(value, login.accessToken);
            delivered++;
          } else {
            assert.match(out.stderr, /replaced by another process/);
            refused++;
          }
        }
        attacker.kill("SIGTERM");
        await attacker.status;
        attacker = undefined;
        const swaps = Number(await Deno.readTextFile(count));
        assert.ok(
          swaps > 0,
          "the attacker never won a swap: the case shows nothing",
        );
        return `attacker (uid ${ATTACKER}) swapped ${swaps} temps: ${refused} writes refused ("replaced by another process"), ${delivered} delivered, ${hijacked} renamed its link into place (refused as a link next pass); victim bytes, mode and owner unchanged`;
      } finally {
        if (attacker) {
          attacker.kill("SIGKILL");
          await attacker.status;
        }
        await dispose(ws);
      }
    },
  },
  {
    name: "hostile credentials file: a FIFO, a directory, 5 MiB",
    async run() {
      const figures = [];
      for (const { kind, make } of KINDS) {
        const ws = await workspace(ENV);
        try {
          await make(ws.credentials);
          const before = await snapshot(ws.root);
          const t0 = performance.now();
          const out = await runTool(
            ws,
            ws.flags("--once"),
            `credentials ${kind}`,
          );
          const ms = performance.now() - t0;
          assert.equal(out.code, 4, `${kind}: ${out.stderr}`);
          assert.match(
            out.stderr,
            /not a regular file|larger than 1048576 bytes/,
          );
          assert.deepEqual(touched(before, await snapshot(ws.root), []), []);
          figures.push(`${kind} exit 4 in ${(ms / 1000).toFixed(1)} s`);
        } finally {
          await dispose(ws);
        }
      }
      return `${figures.join(", ")}; nothing written, no docker call`;
    },
  },
  {
    name: "hostile sink: .env a FIFO, a directory, 5 MiB",
    async run() {
      const figures = [];
      for (const { kind, make } of KINDS) {
        const ws = await workspace(ENV);
        try {
          await ws.writeLogin(faultLogin());
          await Deno.remove(ws.envFile);
          await make(ws.envFile);
          const before = await snapshot(ws.root);
          const out = await runTool(ws, ws.flags("--once"), `sink ${kind}`);
          assert.equal(out.code, 1, `${kind}: ${out.stderr}`);
          assert.match(
            out.stderr,
            /not a regular file|larger than 1048576 bytes/,
          );
          assert.deepEqual(touched(before, await snapshot(ws.root), []), []);
          figures.push(`${kind} exit 1`);
        } finally {
          await dispose(ws);
        }
      }
      return `${figures.join(", ")}; refused before any write, no recreate`;
    },
  },
];
