import assert from "node:assert/strict";
import { join } from "node:path";
import {
  agentsStateDir,
  findNativeCli,
  findNativeState,
} from "../../../src/openclaw/native.ts";

/** A temporary home with an OpenClaw state directory (openclaw.json) where asked. */
async function home(withState: boolean): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sot-native-" });
  if (withState) {
    await Deno.mkdir(join(dir, ".openclaw"));
    await Deno.writeTextFile(join(dir, ".openclaw", "openclaw.json"), "{}");
  }
  return dir;
}

Deno.test("native OpenClaw: $OPENCLAW_STATE_DIR first, else ~/.openclaw of the agent's user; each place looked at is named when nothing is found", async () => {
  const h = await home(true);
  const other = await home(true);
  try {
    const mine = await findNativeState({ env: { HOME: h }, uid: 1000 });
    assert.equal(mine.stateDir?.value, join(h, ".openclaw"));
    assert.match(
      mine.stateDir!.from,
      /^~\/\.openclaw of .*, the agent's user$/,
    );
    const given = await findNativeState({
      env: { HOME: h, OPENCLAW_STATE_DIR: join(other, ".openclaw") },
      uid: 1000,
    });
    assert.deepEqual(given.stateDir, {
      value: join(other, ".openclaw"),
      from: "OPENCLAW_STATE_DIR of the agent's environment",
    });
    const empty = await home(false);
    const none = await findNativeState({ env: { HOME: empty }, uid: 1000 });
    assert.equal(none.stateDir, undefined);
    assert.deepEqual(none.looked, [
      "OPENCLAW_STATE_DIR is not set",
      `${join(empty, ".openclaw")} (~/.openclaw of ${
        none.looked[1].match(/of (.*), the agent's user/)![1]
      }, the agent's user) holds no openclaw.json`,
    ]);
    await Deno.remove(empty, { recursive: true });
  } finally {
    await Deno.remove(h, { recursive: true });
    await Deno.remove(other, { recursive: true });
  }
});

Deno.test("native OpenClaw: a root agent serving another user looks in the credentials owner's home before its own", async () => {
  const root = await home(true);
  const user = await Deno.makeTempDir({ prefix: "sot-native-user-" });
  const credentials = join(user, "credentials.json");
  await Deno.writeTextFile(credentials, "{}");
  await Deno.chown(credentials, 65534, 65534);
  try {
    const found = await findNativeState({
      env: { HOME: root },
      uid: 0,
      credentials,
    });
    // nobody's home (from /etc/passwd) holds no OpenClaw here: looked at first, then root's own
    assert.equal(found.stateDir?.value, join(root, ".openclaw"));
    assert.match(
      found.looked.join("\n"),
      /\.openclaw of nobody, who owns .*credentials\.json\) holds no openclaw\.json/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(user, { recursive: true });
  }
});

Deno.test("native OpenClaw CLI: `openclaw` on PATH, run by name; none when the state directory is not the one the agent's own `openclaw` would use", async () => {
  const h = await home(true);
  const bin = join(h, "bin");
  await Deno.mkdir(bin);
  await Deno.writeTextFile(join(bin, "openclaw"), "#!/bin/sh\n", {
    mode: 0o755,
  });
  try {
    const env = { HOME: h, PATH: `/nonexistent:${bin}` };
    const state = { value: join(h, ".openclaw"), from: "x" };
    assert.equal(agentsStateDir(env), join(h, ".openclaw"));
    assert.deepEqual(await findNativeCli(env, state), {
      cli: {
        value: ["openclaw"],
        from: `openclaw on PATH (${join(bin, "openclaw")})`,
      },
      looked: [],
    });
    const elsewhere = await findNativeCli(env, {
      value: "/home/alice/.openclaw",
      from: "y",
    });
    assert.equal(elsewhere.cli, undefined);
    assert.match(
      elsewhere.looked[0],
      /would not use \/home\/alice\/\.openclaw/,
    );
    assert.deepEqual(
      await findNativeCli({ HOME: h, PATH: "/nonexistent" }, state),
      {
        looked: ["no `openclaw` on PATH"],
      },
    );
    assert.equal(
      agentsStateDir({ HOME: h, OPENCLAW_PROFILE: "work" }),
      join(h, ".openclaw-work"),
    );
  } finally {
    await Deno.remove(h, { recursive: true });
  }
});
