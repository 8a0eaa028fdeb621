/** The shipped flags (src/flags.sh): what the tool may do, and a missing permission is one clear line naming the flag. */
import assert from "node:assert/strict";
import { join } from "node:path";
import denoJson from "../../deno.json" with { type: "json" };
import {
  credentialsJson,
  MAIN,
  type Outcome,
  runCommand,
  testLogin,
} from "../helpers/fixture.ts";
import { permissionFlags } from "./flags.ts";

/** Runs the tool under the given Deno flags. */
function tool(flags: string[], args: string[]) {
  return runCommand([Deno.execPath(), "run", ...flags, MAIN, ...args]);
}

/** The one error line of the output that names a flag, asserting there is exactly one and no stack trace (the state file's warning may name it too). */
function deniedLine(out: Outcome): string {
  const text = out.stdout + out.stderr;
  const denied = text.split("\n").filter((l) =>
    l.includes("run again with") && !l.startsWith("WARN")
  );
  assert.equal(denied.length, 1, text);
  assert.doesNotMatch(text, /^\s+at |Stack backtrace|Info /m);
  return denied[0];
}

Deno.test("src/flags.sh: least privilege, no -A, net only to the token hosts and loopback; every way of running the tool takes this one list", async () => {
  const flags = await permissionFlags();
  assert.deepEqual(flags, [
    "--allow-read",
    "--allow-write",
    "--allow-net=platform.claude.com,console.anthropic.com,127.0.0.1,localhost",
    "--allow-run=docker,docker-compose,openclaw",
    "--allow-env",
    "--allow-sys=uid,gid",
    "--no-prompt",
    "--quiet",
    "--no-config",
    "--v8-flags=--lite-mode,--max-semi-space-size=1",
  ]);
  // each directory with its DIR.lock sibling (Claude Code's ~/.claude.lock)
  const limited = await permissionFlags("/srv/openclaw/,/root/.claude");
  const paths =
    "/srv/openclaw,/srv/openclaw.lock,/root/.claude,/root/.claude.lock";
  assert.equal(limited[0], `--allow-read=/etc/sync-oauth-token,${paths}`);
  assert.equal(limited[1], `--allow-write=${paths}`);
  const tasks = denoJson.tasks as Record<string, string>;
  for (const task of ["start", "compile", "compile:all", "test"]) {
    assert.match(tasks[task], /\$\(sh src\/flags\.sh\)/, task);
  }
  for (const task of ["start", "compile", "compile:all"]) {
    assert.doesNotMatch(tasks[task], /-A |--allow-all/, task);
  }
  assert.match(tasks["compile:all"], /x86_64-unknown-linux-gnu/);
  assert.match(tasks["compile:all"], /aarch64-unknown-linux-gnu/);
  // the source route's launcher and the sidecar stand-in take the same list
  const install = await Deno.readTextFile(
    new URL("../../install.sh", import.meta.url),
  );
  assert.match(install, /sh "\$src\/src\/flags\.sh" >"\$TMP\/flags"/);
  const sidecar = await Deno.readTextFile(
    new URL("../engine/sidecar_image.sh", import.meta.url),
  );
  assert.match(sidecar, /sh "\$ROOT\/src\/flags\.sh"/);
});

Deno.test("under the shipped flags: --version prints deno.json's version", async () => {
  const out = await tool(await permissionFlags(), ["--version"]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout.trim(), denoJson.version);
});

Deno.test("a Deno permission the tool lacks: exit 2 and one line naming the flag, wherever it is met", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sot-perms-" });
  try {
    const allowed = join(dir, "allowed");
    const other = join(dir, "other");
    await Deno.mkdir(allowed);
    await Deno.mkdir(other);
    const creds = credentialsJson(testLogin());
    for (const d of [allowed, other]) {
      await Deno.writeTextFile(join(d, ".credentials.json"), creds);
      await Deno.writeTextFile(join(d, ".env"), "ANTHROPIC_OAUTH_TOKEN=\n");
    }
    await Deno.writeTextFile(join(other, "config.env"), "");
    const flags = await permissionFlags(allowed);
    const readAll = ["--allow-read", ...flags.slice(1)];
    const source = ["--credentials", join(allowed, ".credentials.json")];
    const allowedEnv = ["--env-file", join(allowed, ".env")];
    const noRestart = [...source, ...allowedEnv, "--restart", "none"];
    const outsideEnv = ["--env-file", join(other, ".env")];
    const unreachable = "http://127.0.0.2:8443/v1/oauth/token";

    const cases: { where: string; flag: string; out: Outcome }[] = [
      {
        where: "environment, uncaught (main.ts)",
        flag: "--allow-env",
        out: await tool(flags.filter((f) => f !== "--allow-env"), [
          "--once",
          ...noRestart,
        ]),
      },
      {
        where: "config file",
        flag: "--allow-read",
        out: await tool(flags, [
          "--once",
          ...noRestart,
          "--config",
          join(other, "config.env"),
        ]),
      },
      {
        where: "source read (source.ts)",
        flag: "--allow-read",
        out: await tool(flags, [
          "--once",
          "--credentials",
          join(other, ".credentials.json"),
          ...allowedEnv,
        ]),
      },
      {
        where: "sink read (pass.ts)",
        flag: "--allow-read",
        out: await tool(flags, [
          "--once",
          ...source,
          "--restart",
          "none",
          ...outsideEnv,
        ]),
      },
      {
        where: "sink write (pass.ts)",
        flag: "--allow-write",
        out: await tool(readAll, [
          "--once",
          ...source,
          "--restart",
          "none",
          ...outsideEnv,
        ]),
      },
      {
        where: "gateway restart (docker)",
        flag: "--allow-run",
        out: await tool(flags.filter((f) => !f.startsWith("--allow-run")), [
          "--once",
          ...source,
          "--env-file",
          join(allowed, ".env"),
        ]),
      },
      {
        where: "token endpoint (refresh, under Claude Code's locks)",
        flag: "--allow-net",
        out: await tool(flags, [
          "refresh",
          "--once",
          "--force",
          ...noRestart,
          "--token-url",
          unreachable,
          "--token-url-fallback",
          unreachable,
        ]),
      },
      {
        where: "status, sink read",
        flag: "--allow-read",
        // a state file of its own: the refresh case above recorded its failure
        out: await tool(flags, [
          "status",
          ...source,
          "--restart",
          "none",
          ...outsideEnv,
          "--state-file",
          join(allowed, "status-state.json"),
        ]),
      },
    ];
    for (const { where, flag, out } of cases) {
      const line = deniedLine(out);
      const text = out.stdout + out.stderr;
      assert.equal(out.code, 2, `${where}: exit ${out.code}\n${text}`);
      assert.ok(line.includes(`run again with the ${flag} flag`), where);
      if (where !== "config file") {
        assert.match(line, /not permitted: Requires /, `${where}: ${text}`);
      }
    }
    assert.match(cases[0].out.stderr, /^ERROR not permitted: .*--allow-env/);
    assert.equal(
      await Deno.readTextFile(join(other, ".env")),
      "ANTHROPIC_OAUTH_TOKEN=\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const ROOT = new URL("../..", import.meta.url).pathname;

/** A copy of the tool that any user can run offline, as install.sh's source route lays it out: src/, deno.json and a DENO_DIR with the source compiled; returns its main.ts. */
async function portableCopy(dir: string): Promise<string> {
  await Deno.copyFile(join(ROOT, "deno.json"), join(dir, "deno.json"));
  const cp = await runCommand(["cp", "-R", join(ROOT, "src"), dir]);
  assert.equal(cp.code, 0, cp.stderr);
  const cache = await runCommand([
    Deno.execPath(),
    "cache",
    "--quiet",
    "--no-config",
    join(dir, "src/main.ts"),
  ], { DENO_DIR: join(dir, "deno-dir") });
  assert.equal(cache.code, 0, cache.stderr);
  const open = await runCommand(["chmod", "-R", "a+rwX", dir]);
  assert.equal(open.code, 0, open.stderr);
  return join(dir, "src/main.ts");
}

Deno.test("the OS refusing access (EACCES) is not a missing permission: the source exits 4, a sink 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sot-eacces-" });
  try {
    const main = await portableCopy(dir);
    // root passes every mode check, so root runs the tool as nobody
    const asUser = Deno.uid() === 0
      ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
      : [];
    const flags = await permissionFlags();
    const run = (args: string[]) =>
      runCommand(
        [...asUser, Deno.execPath(), "run", "--cached-only"]
          .concat(flags, [main], args),
        { DENO_DIR: join(dir, "deno-dir") },
      );
    const creds = join(dir, "claude/.credentials.json");
    const env = join(dir, "openclaw/.env");
    await Deno.mkdir(join(dir, "claude"), { mode: 0o755 });
    await Deno.mkdir(join(dir, "openclaw"), { mode: 0o755 });
    await Deno.writeTextFile(creds, credentialsJson(testLogin()), {
      mode: 0o644,
    });
    await Deno.writeTextFile(env, "ANTHROPIC_OAUTH_TOKEN=\n", { mode: 0o644 });
    const args = ["--once", "--credentials", creds, "--env-file", env];

    await Deno.chmod(join(dir, "openclaw"), 0o555); // no temp file beside .env
    const sink = await run([...args, "--restart", "none"]);
    await Deno.chmod(creds, 0o000);
    const source = await run(args);

    const said = [
      [source, 4, /Permission denied \(os error 13\)/],
      [
        sink,
        1,
        /is not writable by (nobody \(uid 65534\)|\S+ \(uid \d+\)), which this tool runs as/,
      ],
    ] as const;
    for (const [out, code, why] of said) {
      const text = out.stdout + out.stderr;
      assert.equal(out.code, code, text);
      assert.match(text, why);
      assert.doesNotMatch(text, /not permitted|run again with/);
    }
    assert.equal(await Deno.readTextFile(env), "ANTHROPIC_OAUTH_TOKEN=\n");
  } finally {
    await Deno.chmod(join(dir, "openclaw"), 0o755).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
