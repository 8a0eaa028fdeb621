/** A full disk: both sinks on a small tmpfs that is full when the token changes. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { MAIN, RUN_FLAGS, runCommand } from "../helpers/fixture.ts";
import {
  dispose,
  type FaultCase,
  faultLogin,
  record,
  workspace,
} from "./harness.ts";

const ENV = "A=1\nANTHROPIC_OAUTH_TOKEN=old\nB=2\n";
const OAUTH = JSON.stringify({ anthropic: { access: "old" } });

/**
 * Runs in a private mount namespace (unshare -rm, so no mount outlives the
 * case even when it is killed): mounts a 64 KiB tmpfs over the sink
 * directory, fills it, runs the tool, copies what the sink directory holds to
 * $OUT, frees the space and runs the tool again.
 */
const SCRIPT = `set -u
mount -t tmpfs -o size=64k,mode=0755 tmpfs "$SINKS" || exit 90
printf '%s' "$ENV_TEXT" > "$SINKS/.env"
printf '%s' "$OAUTH_TEXT" > "$SINKS/oauth.json"
head -c 1M /dev/zero > "$SINKS/fill" 2>/dev/null
"$@" > "$OUT/full.out" 2> "$OUT/full.err"; echo $? > "$OUT/full.code"
cp "$SINKS/.env" "$OUT/full.env"; cp "$SINKS/oauth.json" "$OUT/full.oauth"
ls -A "$SINKS" > "$OUT/full.ls"
rm "$SINKS/fill"
"$@" > "$OUT/freed.out" 2> "$OUT/freed.err"; echo $? > "$OUT/freed.code"
cp "$SINKS/.env" "$OUT/freed.env"
ls -A "$SINKS" > "$OUT/freed.ls"
`;

export const diskCases: FaultCase[] = [{
  name: "disk full: sinks on a full 64 KiB tmpfs",
  async run() {
    const login = faultLogin();
    const ws = await workspace("");
    try {
      await ws.writeLogin(login);
      const out = join(ws.root, "out");
      await Deno.mkdir(out);
      const sinks = ws.composeDir;
      const tool = [
        Deno.execPath(),
        "run",
        ...RUN_FLAGS,
        MAIN,
        ...ws.flags("--once", "--oauth-json", join(sinks, "oauth.json")),
      ];
      const run = await runCommand(
        ["unshare", "-rm", "sh", "-c", SCRIPT, "sh", ...tool],
        {
          ...ws.env(),
          SINKS: sinks,
          OUT: out,
          ENV_TEXT: ENV,
          OAUTH_TEXT: OAUTH,
        },
      );
      assert.equal(run.code, 0, `namespace script: ${run.stderr}`);
      const read = (name: string) => Deno.readTextFile(join(out, name));
      const stderr = await read("full.err");
      record("disk full: stderr", stderr);
      record("disk full, freed: stderr", await read("freed.err"));
      assert.equal((await read("full.code")).trim(), "1", stderr);
      const reasons = stderr.split("\n").filter((l) =>
        /no space left on device/i.test(l)
      );
      assert.equal(reasons.length, 2, `one error per sink:\n${stderr}`);
      assert.ok(
        reasons.every((l) => / is unchanged/.test(l)),
        `each error says the file is unchanged:\n${stderr}`,
      );
      assert.equal(await read("full.env"), ENV, ".env intact");
      assert.equal(await read("full.oauth"), OAUTH, "oauth.json intact");
      const leftFull = (await read("full.ls")).split("\n").filter((n) =>
        n.includes(".sot-")
      );
      assert.deepEqual(leftFull, [], "no temp file on the full disk");
      assert.equal((await read("freed.code")).trim(), "0");
      assert.equal(
        await read("freed.env"),
        ENV.replace("=old", `=${login.accessToken}`),
        "delivered once space is free",
      );
      const recreates = (await ws.dockerCalls()).filter((c) =>
        c.argv.startsWith("compose up")
      ).length;
      assert.equal(recreates, 1, "no recreate while nothing changed");
      const reason = /cannot write .*? is unchanged/.exec(reasons[0])![0];
      return `exit 1, "${
        reason.replaceAll(sinks, "…")
      }"; both files byte-identical, no temp left; no recreate until space was freed and the token delivered`;
    } finally {
      await dispose(ws);
    }
  },
}];
