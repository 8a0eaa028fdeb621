/** What a person meets first: no silent success, clear warnings and errors, the tool's own files in its own place. */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { permissionFlags } from "../install/flags.ts";
import {
  credentialsJson,
  MAIN,
  runCommand,
  Running,
  testLogin,
  waitFor,
  Workspace,
} from "../helpers/fixture.ts";

Deno.test("first contact: with nowhere to deliver, --once, watch, refresh and status are usage errors naming the two settings; doctor FAILs", async () => {
  const ws = await Workspace.create();
  await ws.writeLogin(testLogin());
  const only = ["--credentials", ws.credentials, "--config", ws.configFile];
  const settings =
    /nothing to deliver to: set --env-file \(SYNC_OAUTH_TOKEN_ENV_FILE\) to the gateway's compose \.env, or --openclaw-state \(SYNC_OAUTH_TOKEN_OPENCLAW_STATE\) to OpenClaw's state directory/;
  for (const args of [["--once"], [], ["refresh", "--once"], ["status"]]) {
    const out = await ws.run([...args, ...only]);
    assert.equal(out.code, 2, `${args}: ${out.stdout}${out.stderr}`);
    assert.match(out.stdout + out.stderr, settings, args.join(" "));
    assert.doesNotMatch(out.stderr, /nothing to do/);
  }
  const doctor = await ws.run(["doctor", ...only]);
  assert.equal(doctor.code, 1);
  assert.match(doctor.stdout, /^FAIL {2}target +nothing to deliver to: /m);
  assert.deepEqual(await ws.dockerCalls(), [], "nothing was asked of docker");
  await ws.cleanup();
});

Deno.test("first contact: an expired token is delivered with a WARN saying what renews it, and --once and status exit 5; one about to expire only warns", async () => {
  const ws = await Workspace.create();
  await Deno.writeTextFile(ws.envFile, "A=1\n");
  await ws.writeLogin(testLogin(-3 * 60_000));
  const expired = await ws.run(
    ws.flags("--once", "--restart", "none", "--log-level", "warn"),
  );
  assert.equal(expired.code, 5, expired.stderr);
  assert.match(
    expired.stderr,
    /^WARN {2}the token delivered has expired \(expired 3m ago\): Claude Code renews it on its next use, or run `sync-oauth-token refresh --once` …/m,
  );
  const status = await ws.run(ws.flags("status", "--restart", "none"));
  assert.equal(status.code, 5, status.stdout);
  assert.match(
    status.stdout,
    /expired 3m ago .*run `sync-oauth-token refresh --once`/,
  );

  await ws.writeLogin(testLogin(20 * 60_000));
  const soon = await ws.run(
    ws.flags("--once", "--restart", "none", "--log-level", "warn"),
  );
  assert.equal(soon.code, 0, soon.stderr);
  assert.match(
    soon.stderr,
    /^WARN {2}the token delivered expires in 19m, within --refresh-before 1h: Claude Code renews it/m,
  );
  await ws.cleanup();
});

Deno.test("first contact: refresh --once says why no refresh was due", async () => {
  const ws = await Workspace.create();
  await Deno.writeTextFile(ws.envFile, "A=1\n");
  await ws.writeLogin(testLogin());
  const out = await ws.run(
    ws.flags("refresh", "--once", "--restart", "none"),
  );
  assert.equal(out.code, 0, out.stderr);
  assert.match(
    out.stderr,
    /^INFO {2}no refresh due: the token expires in 7h 59m, due for refresh in 6h 59m \(--refresh-before 1h\) …/m,
  );
  await ws.cleanup();
});

Deno.test("first contact: a malformed token's error quotes the expected prefix whole, not redacted", async () => {
  const ws = await Workspace.create();
  await Deno.writeTextFile(ws.envFile, "A=1\n");
  await ws.writeCredentialsText(
    credentialsJson({ ...testLogin(), accessToken: "sk-ant-api03-wrongkind" }),
  );
  const out = await ws.run(ws.flags("--once"));
  assert.equal(out.code, 4);
  assert.match(
    out.stderr,
    /claudeAiOauth\.accessToken: must start with sk-ant-oat01- and hold no whitespace, quotes, backslashes or control characters/,
  );
  assert.doesNotMatch(out.stderr, /…t01-#/);
  await ws.cleanup();
});

Deno.test("first contact: a hook the shipped permissions do not allow says how to allow it, and fails the pass; the advice works", async () => {
  const ws = await Workspace.create();
  await Deno.writeTextFile(ws.envFile, "A=1\n");
  await ws.writeLogin(testLogin());
  const flagsScript = new URL("../../src/flags.sh", import.meta.url).pathname;
  /** Runs --once with a hook under the shipped flags, as src/flags.sh prints them with this environment. */
  const once = async (env: Record<string, string>) => {
    const flags = await runCommand(["sh", flagsScript], env);
    return await runCommand(
      [
        Deno.execPath(),
        "run",
        ...flags.stdout.split("\n").filter(Boolean),
        MAIN,
        ...ws.flags(
          "--once",
          "--restart",
          "none",
          "--on-change",
          `sh -c 'cat > ${ws.root}/event.json'`,
        ),
      ],
      ws.env(),
    );
  };
  const out = await once({});
  assert.equal(out.code, 2, out.stderr);
  assert.match(
    out.stderr,
    /--on-change: sh may not run: the tool's permissions \(--allow-run\) list docker, docker-compose and openclaw; allow it with SOT_ALLOW_RUN=sh in the environment of `deno task start`/,
  );
  assert.doesNotMatch(out.stderr, /run again with the --allow-run flag/);
  await ws.writeLogin(testLogin());
  const allowed = await once({ SOT_ALLOW_RUN: "sh" });
  assert.equal(allowed.code, 0, allowed.stderr);
  const json = JSON.parse(await Deno.readTextFile(`${ws.root}/event.json`));
  assert.equal(json.event, "change");
  await ws.cleanup();
});

Deno.test("first contact: --dry-run without --once says once that it keeps following changes and touches nothing", async () => {
  const ws = await Workspace.create();
  await Deno.writeTextFile(ws.envFile, "A=1\n");
  await ws.writeLogin(testLogin());
  const agent = Running.start(ws, ws.flags("--dry-run"));
  try {
    await waitFor("the plan", () => agent.stderr.includes("would update"));
    assert.equal(
      agent.count(
        /^INFO {2}dry run: following changes and saying what each would change, touching nothing/,
      ),
      1,
    );
    assert.equal(await Deno.readTextFile(ws.envFile), "A=1\n");
  } finally {
    assert.equal((await agent.stop()).code, 0);
    await ws.cleanup();
  }
});

Deno.test("first contact: the state lives in the tool's own state directory, never in Claude Code's; an old state file there is read once", async () => {
  const ws = await Workspace.create();
  await Deno.writeTextFile(ws.envFile, "A=1\n");
  await ws.writeLogin(testLogin());
  const legacy = join(dirname(ws.credentials), ".sync-oauth-token-state.json");
  const refreshedAt = Date.now() - 2 * 60_000;
  await Deno.writeTextFile(
    legacy,
    JSON.stringify({ lastRefreshAt: refreshedAt }),
  );
  const out = await ws.run(ws.flags("--once", "--restart", "none"));
  assert.equal(out.code, 0, out.stderr);
  const state = JSON.parse(
    await Deno.readTextFile(join(ws.stateDir, "state.json")),
  );
  assert.equal(state.lastRefreshAt, refreshedAt, "continued from the old file");
  assert.equal(state.lastPass.once, true);
  const claudeFiles = [...Deno.readDirSync(ws.claudeDir)].map((e) => e.name)
    .sort();
  assert.deepEqual(claudeFiles, [
    ".credentials.json",
    ".sync-oauth-token-state.json",
  ], "nothing new in Claude Code's directory");
  const status = await ws.run(ws.flags("status", "--restart", "none"));
  assert.match(
    status.stdout,
    /^last pass .*state\.json +ok \d+s ago \(--once\), last refresh 2m ago$/m,
  );
  await ws.cleanup();
});

Deno.test("first contact: a directory the tool may not write names itself, its owner and mode, the user the tool runs as and the fix; never a file of the tool's own", async () => {
  if (Deno.uid() !== 0) return; // root is needed to run the tool as another user
  const dir = await Deno.makeTempDir({ prefix: "sot-unwritable-" });
  try {
    await Deno.chmod(dir, 0o755);
    const root = new URL("../..", import.meta.url).pathname;
    const copy = await runCommand(
      ["cp", "-R", join(root, "src"), join(root, "deno.json"), dir],
    );
    assert.equal(copy.code, 0, copy.stderr);
    for (const d of ["claude", "compose"]) {
      await Deno.mkdir(join(dir, d), { mode: 0o755 });
    }
    for (const d of ["state", "deno-dir"]) {
      await Deno.mkdir(join(dir, d), { mode: 0o777 });
      await Deno.chmod(join(dir, d), 0o777);
    }
    const creds = join(dir, "claude", ".credentials.json");
    await Deno.writeTextFile(creds, credentialsJson(testLogin()), {
      mode: 0o644,
    });
    const env = join(dir, "compose", ".env");
    await Deno.writeTextFile(env, "A=1\n", { mode: 0o644 });
    const flags = await permissionFlags();
    const out = await runCommand(
      [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        Deno.execPath(),
        "run",
        ...flags,
        join(dir, "src", "main.ts"),
        "--once",
        "--restart",
        "none",
        "--credentials",
        creds,
        "--env-file",
        env,
      ],
      {
        HOME: join(dir, "state"),
        XDG_STATE_HOME: join(dir, "state"),
        DENO_DIR: join(dir, "deno-dir"),
      },
    );
    assert.equal(out.code, 1, out.stderr);
    assert.match(
      out.stderr,
      new RegExp(
        `^ERROR cannot write ${env}: the directory ${
          join(dir, "compose")
        } \\(owned by root \\(uid 0\\), mode 0755\\) is not writable by nobody \\(uid 65534\\), which this tool runs as; ${env} is unchanged; fix: run the tool as the directory's owner, or give nobody write access to ${
          join(dir, "compose")
        }`,
        "m",
      ),
    );
    assert.doesNotMatch(
      out.stderr,
      /restart-pending|restart-owed|\.sot-|os error/,
    );
    assert.equal(await Deno.readTextFile(env), "A=1\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
