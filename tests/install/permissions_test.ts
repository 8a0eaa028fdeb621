/** The baked permission set: what the tool may do, and a missing permission is one clear line naming the flag. */
import assert from "node:assert/strict";
import { join } from "node:path";
import denoJson from "../../deno.json" with { type: "json" };
import {
  credentialsJson,
  MAIN,
  runCommand,
  testLogin,
} from "../helpers/fixture.ts";
import { permissionFlags } from "./flags.ts";

/** Runs the tool under the given Deno flags. */
function tool(flags: string[], args: string[]) {
  return runCommand([Deno.execPath(), "run", ...flags, MAIN, ...args]);
}

Deno.test("permissions.sh: least privilege, no -A, net only to the token hosts and loopback", async () => {
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
  ]);
  const limited = await permissionFlags("/srv/openclaw,/root/.claude");
  assert.equal(
    limited[0],
    "--allow-read=/etc/sync-oauth-token,/srv/openclaw,/root/.claude",
  );
  assert.equal(limited[1], "--allow-write=/srv/openclaw,/root/.claude");
  const tasks = denoJson.tasks as Record<string, string>;
  for (const task of ["compile", "compile:all"]) {
    assert.match(tasks[task], /\$\(sh tests\/install\/permissions\.sh\)/, task);
    assert.doesNotMatch(tasks[task], /deno compile -A|--allow-all /, task);
  }
  assert.match(tasks["compile:all"], /x86_64-unknown-linux-gnu/);
  assert.match(tasks["compile:all"], /aarch64-unknown-linux-gnu/);
});

Deno.test("under the baked flags: --version prints deno.json's version", async () => {
  const out = await tool(await permissionFlags(), ["--version"]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout.trim(), denoJson.version);
});

Deno.test("a permission the tool lacks is a line naming the flag, never a stack trace", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sot-perms-" });
  try {
    const allowed = join(dir, "allowed");
    const other = join(dir, "other");
    await Deno.mkdir(allowed);
    await Deno.mkdir(other);
    await Deno.writeTextFile(
      join(allowed, ".credentials.json"),
      credentialsJson(testLogin()),
    );
    await Deno.writeTextFile(join(other, ".env"), "ANTHROPIC_OAUTH_TOKEN=\n");
    const common = [
      "--credentials",
      join(allowed, ".credentials.json"),
      "--restart",
      "none",
    ];
    await Deno.copyFile(
      join(allowed, ".credentials.json"),
      join(other, ".credentials.json"),
    );
    await Deno.writeTextFile(join(other, "config.env"), "");
    const flags = await permissionFlags(allowed);
    const readAll = ["--allow-read", ...flags.slice(1)];
    const envFile = ["--env-file", join(other, ".env")];

    // Where no part of the tool catches the error, main.ts maps it to "not
    // permitted", exit 2. Elsewhere the part that catches it keeps its own
    // exit code (config 2, credentials 4, a sink 1) and the Deno message.
    const cases = [
      {
        flag: "--allow-env",
        code: 2,
        out: await tool(flags.filter((f) => f !== "--allow-env"), [
          "--once",
          ...common,
        ]),
      },
      {
        flag: "--allow-read",
        code: 2,
        out: await tool(flags, [
          "--once",
          ...common,
          "--config",
          join(other, "config.env"),
        ]),
      },
      {
        flag: "--allow-read",
        code: 4,
        out: await tool(flags, [
          "--once",
          "--credentials",
          join(other, ".credentials.json"),
        ]),
      },
      {
        flag: "--allow-write",
        code: 1,
        out: await tool(readAll, ["--once", ...common, ...envFile]),
      },
      {
        flag: "--allow-read",
        code: 1,
        out: await tool(flags, ["status", ...common, ...envFile]),
      },
    ];
    for (const { out, flag, code } of cases) {
      const text = out.stdout + out.stderr;
      assert.equal(out.code, code, text);
      const denied = text.split("\n").filter((l) =>
        l.includes("run again with the")
      );
      assert.equal(denied.length, 1, text);
      assert.ok(denied[0].includes(`run again with the ${flag} flag`), text);
      assert.doesNotMatch(text, /^\s+at |Stack backtrace|Info /m);
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
