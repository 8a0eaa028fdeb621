import assert from "node:assert/strict";
import {
  compose,
  composeBase,
  restartSteps,
} from "../../../src/compose/project.ts";
import type { RunResult } from "../../../src/lib/process.ts";
import { targetSettings } from "../../helpers/fakes.ts";

const config = targetSettings({
  "env-file": "/srv/oc/.env",
  "compose-file": "dc.yml",
  "compose-project": "oc",
});

Deno.test("compose: argv for v2 and v1 with -f and -p; restart steps per mode", () => {
  assert.deepEqual(composeBase("v2", config), [
    "docker",
    "compose",
    "-f",
    "dc.yml",
    "-p",
    "oc",
  ]);
  assert.deepEqual(composeBase("v1", config), [
    "docker-compose",
    "-f",
    "dc.yml",
    "-p",
    "oc",
  ]);
  assert.deepEqual(restartSteps(config), [[
    "up",
    "-d",
    "--force-recreate",
    "--no-deps",
    "openclaw-gateway",
  ]]);
  assert.deepEqual(restartSteps({ ...config, restart: "down-up" }), [["down"], [
    "up",
    "-d",
  ]]);
  assert.deepEqual(restartSteps({ ...config, restart: "none" }), []);
});

Deno.test("compose: a failure names the exit code, the stderr tail and, for a wrong service, the services", async () => {
  const calls: string[][] = [];
  const run = (argv: string[]): Promise<RunResult> => {
    calls.push(argv);
    if (argv.includes("config")) {
      return Promise.resolve({
        code: 0,
        stdout: "gw\nother\n",
        stderr: "",
        timedOut: false,
      });
    }
    return Promise.resolve({
      code: 1,
      stdout: "",
      stderr: "line1\nno such service: nope\n",
      timedOut: false,
    });
  };
  await assert.rejects(
    () => compose(run, "v2", config, ["up", "-d", "nope"]),
    (e: Error & { exitCode: number }) =>
      e.exitCode === 1 && /exit code 1/.test(e.message) &&
      /no such service: nope/.test(e.message) && /gw, other/.test(e.message),
  );
  assert.equal(calls.length, 2);
});
