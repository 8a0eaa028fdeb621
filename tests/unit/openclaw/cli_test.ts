import assert from "node:assert/strict";
import {
  classifyProbe,
  expiresIn,
  resolveCli,
} from "../../../src/openclaw/cli.ts";
import type { RunResult } from "../../../src/lib/process.ts";
import { ok, targetSettings } from "../../helpers/fakes.ts";
import { testLogin } from "../../helpers/fixture.ts";

Deno.test("openclaw probe: paste-token help means current or old (by its auth-profiles.json wording); a missing program is absent; a stopped container is unreachable", () => {
  assert.deepEqual(
    classifyProbe(ok("Usage: openclaw models auth paste-token [options]"), "v"),
    { kind: "current", version: "v" },
  );
  assert.equal(
    classifyProbe(
      ok(
        "paste-token: Paste a token into auth-profiles.json and update config",
      ),
      "v",
    ).kind,
    "old",
  );
  const fail = (code: number, stderr: string): RunResult => ({
    code,
    stdout: "",
    stderr,
    timedOut: false,
  });
  assert.equal(
    classifyProbe(fail(126, 'exec: "openclaw": executable file not found'), "")
      .kind,
    "absent",
  );
  assert.equal(
    classifyProbe(fail(127, "sh: openclaw: not found"), "").kind,
    "absent",
  );
  assert.equal(
    classifyProbe(ok("Usage: openclaw models auth"), "").kind,
    "absent",
  );
  const stopped = classifyProbe(
    fail(1, 'service "openclaw-gateway" is not running'),
    "",
  );
  assert.equal(stopped.kind, "unreachable");
  assert.match(
    (stopped as { why: string }).why,
    /exit code 1: service "openclaw-gateway" is not running/,
  );
});

Deno.test("openclaw: --expires-in is the whole seconds left, at least 1", () => {
  const login = testLogin();
  assert.equal(expiresIn({ ...login, expiresAt: 10_999 }, 0), "10s");
  assert.equal(expiresIn({ ...login, expiresAt: 5 }, 10), "1s");
});

Deno.test("openclaw CLI prefix: --openclaw-cli split on blanks, else docker compose exec -T into the gateway's service with the project's -f and -p", async () => {
  const run = () => Promise.resolve(ok("Docker Compose version v2"));
  const given = targetSettings({
    "openclaw-cli": "  /usr/bin/node  /opt/oc/openclaw.mjs ",
  });
  assert.deepEqual((await resolveCli(given, run)).prefix, [
    "/usr/bin/node",
    "/opt/oc/openclaw.mjs",
  ]);
  const compose = targetSettings({
    "env-file": "/srv/oc/.env",
    "compose-file": "/srv/oc/compose.yml",
    "compose-project": "oc",
    "service": "gw",
  });
  const cli = await resolveCli(compose, run);
  assert.deepEqual(cli.prefix, [
    "docker",
    "compose",
    "-f",
    "/srv/oc/compose.yml",
    "-p",
    "oc",
    "exec",
    "-T",
    "gw",
    "openclaw",
  ]);
  assert.equal(cli.cwd, "/srv/oc");
});
