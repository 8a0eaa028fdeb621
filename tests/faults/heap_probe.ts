/**
 * Runs a pass (`runPass`) for a new login N times in this process (run with
 * --v8-flags=--expose-gc) and prints, as JSON, the V8 heap in use after a full
 * garbage collection every `every` passes: a leak grows it, V8's own sizing of
 * its spaces (which moves the RSS) does not. Usage: heap_probe.ts DIR N EVERY
 */
import { resolveSettings } from "../../src/config/settings.ts";
import { createLogger } from "../../src/lib/log.ts";
import { runPass } from "../../src/pass/pass.ts";
import { credentialsJson, testLogin } from "../helpers/fixture.ts";

const [dir, passes, every] = [
  Deno.args[0],
  Number(Deno.args[1]),
  Number(Deno.args[2]),
];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
await Deno.mkdir(`${dir}/compose`);
await Deno.mkdir(`${dir}/openclaw`);
await Deno.writeTextFile(`${dir}/compose/.env`, "A=1\n");
const settings = resolveSettings({
  flags: {
    credentials: `${dir}/.credentials.json`,
    "env-file": `${dir}/compose/.env`,
    "oauth-json": `${dir}/openclaw/oauth.json`,
    restart: "none",
    openclaw: "legacy",
  },
  env: {},
});
const credentials = settings.global.credentials;
const log = createLogger({ format: "text", level: "error" });
// A pool of logins taken in turn: every pass is a change, and the probe
// itself keeps no more tokens (each new one is remembered by the secret scan).
const logins = Array.from({ length: 16 }, () => testLogin());
const openclaw = new Map();
const heapMiB: number[] = [];
for (let i = 1; i <= passes; i++) {
  await Deno.writeTextFile(
    credentials,
    credentialsJson(logins[i % logins.length]),
  );
  const outcome = await runPass(
    settings.targets.map((t) => t.settings),
    { run: () => Promise.reject(new Error("no process")), log, openclaw },
    {
      credentials,
      stateDir: `${dir}/state`,
      restart: true,
      dryRun: false,
      refreshBefore: 0,
    },
  );
  const failure = outcome.sourceError ?? outcome.targets[0].failures[0];
  if (failure) throw failure;
  if (i % every === 0) {
    gc();
    heapMiB.push(Deno.memoryUsage().heapUsed / 1048576);
  }
}
console.log(JSON.stringify(heapMiB));
