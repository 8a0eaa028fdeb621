import assert from "node:assert/strict";
import { resolveSettings } from "../../../src/config/settings.ts";
import type { Check, DoctorContext } from "../../../src/ops/doctor/check.ts";
import {
  doctorExitCode,
  formatFindings,
  runDoctor,
} from "../../../src/ops/doctor/doctor.ts";
import type { RunResult } from "../../../src/lib/process.ts";
import { recordingRunner } from "../../helpers/fakes.ts";

/** A doctor context on a fake world; `run` answers docker. */
function doctorWorld(run: DoctorContext["run"]): DoctorContext {
  const settings = resolveSettings({
    flags: {
      "env-file": "/nonexistent-sot/.env",
      credentials: "/nonexistent-sot/c.json",
      "state-file": "/nonexistent-sot/state.json",
    },
    env: {},
  });
  return {
    global: settings.global,
    targets: settings.targets,
    run,
    now: 0,
    resolve: () => Promise.reject(new Error("getaddrinfo ENOTFOUND")),
    watchFs: () => {
      throw new Error("Too many open files");
    },
    fetch,
  };
}

Deno.test("doctor: each broken piece is one FAIL line saying what to fix; exit 0 only when nothing fails", async () => {
  const unreachable = (argv: string[]): Promise<RunResult> =>
    Promise.resolve({
      code: argv[0] === "docker-compose" ? 127 : 1,
      stdout: "",
      stderr:
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n",
      timedOut: false,
    });
  const findings = await runDoctor(doctorWorld(unreachable));
  const text = formatFindings(findings);
  const line = (check: string) =>
    text.split("\n").find((l) => l.slice(6).startsWith(check + " "));
  assert.match(
    line("credentials")!,
    /^FAIL .*does not exist.*; fix: log in with `claude`/,
  );
  assert.match(
    line("directory")!,
    /^FAIL .*\/nonexistent-sot is not writable.*; fix: /,
  );
  assert.match(line("env file")!, /^FAIL .*does not exist; fix: .*--create/);
  assert.match(
    line("inotify")!,
    /^WARN .*Too many open files.*polls every 5s.*fix: raise it/,
  );
  assert.match(
    line("docker")!,
    /^FAIL .*cannot reach the engine.*fix: start the engine/,
  );
  assert.match(
    line("compose")!,
    /^FAIL .*neither `docker compose` \(v2\) nor `docker-compose`/,
  );
  assert.match(
    line("token endpoint")!,
    /^FAIL .*platform\.claude\.com does not resolve/,
  );
  for (const l of text.split("\n")) assert.match(l, /^(OK {2}|WARN|FAIL) {2}/);
  assert.doesNotMatch(
    text,
    /undefined|NaN/,
    "every figure is known or said to be unknown",
  );
  assert.equal(doctorExitCode(findings), 1);
  assert.equal(doctorExitCode(findings.filter((f) => f.verdict !== "fail")), 0);
});

Deno.test("doctor: a check that throws is a FAIL of that check; the others still run", async () => {
  const checks: Check[] = [
    { name: "broken", run: () => Promise.reject(new Error("kaput")) },
    {
      name: "fine",
      run: () =>
        Promise.resolve([{ check: "fine", verdict: "ok", detail: "yes" }]),
    },
  ];
  const findings = await runDoctor(doctorWorld(recordingRunner().run), checks);
  assert.deepEqual(findings.map((f) => [f.check, f.verdict]), [[
    "broken",
    "fail",
  ], ["fine", "ok"]]);
  assert.match(findings[0].detail, /kaput/);
});
