import assert from "node:assert/strict";
import {
  classifyProbe,
  cliServiceCandidate,
  composeCandidates,
  configuredCli,
  expiresIn,
  pasteThrough,
  probeCandidates,
  programMissing,
  versionIn,
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

Deno.test("openclaw CLI prefix: --openclaw-cli split on blanks; a compose target tries `openclaw`, `node dist/index.js`, `node openclaw.mjs` in the gateway's service with the project's -f and -p, and the project's openclaw-cli service as `run --rm -T`", () => {
  const given = targetSettings({
    "openclaw-cli": "  /usr/bin/node  /opt/oc/openclaw.mjs ",
  });
  assert.deepEqual(configuredCli(given)?.prefix, [
    "/usr/bin/node",
    "/opt/oc/openclaw.mjs",
  ]);
  assert.equal(configuredCli(targetSettings()), undefined);
  const compose = targetSettings({
    "env-file": "/srv/oc/.env",
    "compose-file": "/srv/oc/compose.yml",
    "compose-project": "oc",
    "service": "gw",
  });
  const base = ["docker", "compose", "-f", "/srv/oc/compose.yml", "-p", "oc"];
  assert.deepEqual(
    composeCandidates("v2", compose).map((c) => c.value),
    [
      [...base, "exec", "-T", "gw", "openclaw"],
      [...base, "exec", "-T", "gw", "node", "dist/index.js"],
      [...base, "exec", "-T", "gw", "node", "openclaw.mjs"],
    ],
  );
  assert.deepEqual(
    cliServiceCandidate("v1", compose).value,
    [
      "docker-compose",
      "-f",
      "/srv/oc/compose.yml",
      "-p",
      "oc",
      "run",
      "--rm",
      "-T",
      "openclaw-cli",
    ],
  );
});

/** A runner that answers by the prefix's last word (the candidate) and records argv and stdin. */
function byCandidate(answers: Record<string, (args: string) => RunResult>) {
  const calls: { argv: string; stdin?: string }[] = [];
  const run = (argv: string[], o: { stdin?: string }) => {
    calls.push({ argv: argv.join(" "), stdin: o.stdin });
    const name = Object.keys(answers).find((k) => argv.join(" ").startsWith(k));
    return Promise.resolve(
      name
        ? answers[name](argv.join(" ").slice(name.length + 1))
        : { code: 127, stdout: "", stderr: "not found", timedOut: false },
    );
  };
  return { calls, run };
}

const missing: RunResult = {
  code: 126,
  stdout: "",
  stderr:
    'OCI runtime exec failed: exec: "openclaw": executable file not found in $PATH',
  timedOut: false,
};
const cli = (...prefix: string[]) => ({ prefix, timeoutMs: 1000 });

Deno.test("openclaw probe over candidates: a missing program and a help without paste-token (2026.1.30's dist/index.js) move on; the first with paste-token answers, its version read from the help's banner", async () => {
  const r = byCandidate({
    "oc": () => missing,
    "node dist/index.js": () =>
      ok("Usage: openclaw models [options]\nModel configuration"),
    "node openclaw.mjs": () =>
      ok(
        "🦞 OpenClaw 2026.1.30 (76b5208) — hi\nUsage: openclaw models auth paste-token\nPaste a token into auth-profiles.json",
      ),
  });
  const found = await probeCandidates(
    [cli("oc"), cli("node", "dist/index.js"), cli("node", "openclaw.mjs")],
    r.run,
  );
  assert.deepEqual(found.probe, { kind: "old", version: "OpenClaw 2026.1.30" });
  assert.deepEqual(found.cli?.prefix, ["node", "openclaw.mjs"]);
  assert.equal(r.calls.length, 3, "no --version: the banner said it");
});

Deno.test("openclaw probe over candidates: the extra candidates (the openclaw-cli service) are asked for only when none could be reached", async () => {
  const stopped: RunResult = {
    code: 1,
    stdout: "",
    stderr: 'service "openclaw-gateway" is not running',
    timedOut: false,
  };
  let asked = 0;
  const more = () => {
    asked++;
    return Promise.resolve([cli("run")]);
  };
  const r = byCandidate({
    "exec": () => stopped,
    "run": () =>
      ok(
        "OpenClaw 2026.9.6 (eb377ac)\nUsage: openclaw models auth paste-token",
      ),
  });
  const found = await probeCandidates([cli("exec")], r.run, more);
  assert.equal(found.probe.kind, "current");
  assert.deepEqual(found.cli?.prefix, ["run"]);
  const absent = byCandidate({ "exec": () => missing });
  const none = await probeCandidates([cli("exec")], absent.run, more);
  assert.equal(none.probe.kind, "absent");
  assert.equal(
    asked,
    1,
    "a container without the program is not a reason to start another",
  );
});

Deno.test("openclaw paste through candidates: the token goes on stdin of the first that has the program; one that lacks it costs one failed exec; a real failure stops", async () => {
  const login = testLogin();
  const r = byCandidate({
    "oc": () => missing,
    "node dist/index.js": () => ({
      ...ok("Auth profile: anthropic:manual"),
      stderr: "",
    }),
  });
  const { cli: used } = await pasteThrough(
    [cli("oc"), cli("node", "dist/index.js"), cli("node", "openclaw.mjs")],
    r.run,
    login,
    () => 0,
  );
  assert.deepEqual(used.prefix, ["node", "dist/index.js"]);
  assert.equal(r.calls.length, 2);
  assert.ok(r.calls.every((c) => c.stdin === login.accessToken));
  assert.ok(r.calls.every((c) => !c.argv.includes(login.accessToken)));
  const bad = byCandidate({
    "oc": () => ({
      code: 1,
      stdout: "",
      stderr: "Token looks too short",
      timedOut: false,
    }),
  });
  await assert.rejects(
    pasteThrough([cli("oc"), cli("other")], bad.run, login, () => 0),
    /paste-token failed \(exit code 1\): Token looks too short/,
  );
  assert.equal(bad.calls.length, 1);
  await assert.rejects(
    pasteThrough(
      [cli("oc")],
      byCandidate({ "oc": () => missing }).run,
      login,
      () => 0,
    ),
    /no OpenClaw CLI to paste the first token with \(tried: oc\); set --openclaw-cli/,
  );
});

Deno.test("openclaw version: from the banner or --version line, `OpenClaw 2026.9.6 (eb377ac)` or a bare `2026.1.30`", () => {
  assert.equal(
    versionIn("🦞 OpenClaw 2026.9.6 (eb377ac) — All your chats"),
    "2026.9.6",
  );
  assert.equal(versionIn("2026.1.30\n"), "2026.1.30");
  assert.equal(versionIn("Usage: openclaw"), undefined);
  assert.equal(programMissing({ ...missing }), true);
  assert.equal(
    programMissing({
      code: 1,
      stdout: "",
      stderr: "Error: Cannot find module '/app/openclaw.mjs'",
      timedOut: false,
    }),
    true,
  );
  assert.equal(
    programMissing({
      code: 1,
      stdout: "",
      stderr: "profile not found in store",
      timedOut: false,
    }),
    false,
    "an OpenClaw error that says 'not found' is not a missing program",
  );
});

Deno.test("openclaw probe over candidates: a CLI that runs out of time (a hung daemon) ends the probe, the next prefix would only wait as long again", async () => {
  const r = byCandidate({
    "a": () => ({ code: 124, stdout: "", stderr: "", timedOut: true }),
  });
  let asked = false;
  const found = await probeCandidates(
    [cli("a"), cli("a", "b")],
    r.run,
    () => {
      asked = true;
      return Promise.resolve([]);
    },
  );
  assert.deepEqual(found.probe, {
    kind: "unreachable",
    why: "the OpenClaw CLI did not answer",
  });
  assert.equal(r.calls.length, 1);
  assert.equal(asked, false);
});
