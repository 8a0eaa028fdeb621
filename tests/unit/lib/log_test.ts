import assert from "node:assert/strict";
import { fingerprint } from "../../../src/lib/fingerprint.ts";
import { createLogger, formatLine } from "../../../src/lib/log.ts";
import { testLogin } from "../../helpers/fixture.ts";

Deno.test("logger: text and JSON lines carry fingerprints, not tokens, and honour the level", () => {
  const { accessToken } = testLogin();
  const lines: string[] = [];
  const log = createLogger({
    format: "json",
    level: "info",
    write: (l) => lines.push(l),
  });
  log.debug("hidden");
  log.info(`got ${accessToken}`, { token: accessToken });
  assert.equal(lines.length, 1);
  assert.ok(!lines[0].includes(accessToken));
  assert.equal(JSON.parse(lines[0]).token, fingerprint(accessToken));
});

Deno.test("log: a text line says what happened, where, and the time left; JSON keeps stable names; journald gets priorities", () => {
  const time = new Date(1_000_000);
  const fields = {
    path: "/srv/openclaw/.env",
    sink: "env file",
    from: "…aaaa#111111",
    to: "…bbbb#222222",
    expiresAt: 1_000_000 + 7 * 3600e3 + 12 * 60e3,
  };
  assert.equal(
    formatLine("text", time, "info", "updated", fields),
    "INFO  updated /srv/openclaw/.env (env file): …aaaa#111111 → …bbbb#222222, expires in 7h 12m",
  );
  assert.equal(
    formatLine(
      "text",
      time,
      "warn",
      "pass failed; retrying",
      { inMs: 2000 },
      true,
    ),
    "<4>pass failed; retrying inMs=2000",
  );
  assert.deepEqual(
    JSON.parse(formatLine("json", time, "info", "updated", fields)),
    {
      time: time.toISOString(),
      level: "info",
      msg: "updated",
      path: "/srv/openclaw/.env",
      sink: "env file",
      from: "…aaaa#111111",
      to: "…bbbb#222222",
      expiresAt: new Date(fields.expiresAt).toISOString(),
      secondsLeft: 7 * 3600 + 12 * 60,
    },
  );
});
