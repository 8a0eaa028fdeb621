import assert from "node:assert/strict";
import {
  parseConfigJson,
  parseConfigYaml,
  projectView,
} from "../../../src/compose/resolved.ts";
import type { RunOptions } from "../../../src/lib/process.ts";
import { ok, targetSettings } from "../../helpers/fakes.ts";

/** `docker-compose config` (v1, PyYAML) for a two-service project, as 1.29.2 prints it. */
const V1_YAML = `services:
  openclaw-cli:
    entrypoint:
    - node
    - dist/index.js
    environment:
      HOME: /home/node
      OPENCLAW_GATEWAY_TOKEN: gw-1
  openclaw-gateway:
    command:
    - node
    - dist/index.js
    environment:
      ANTHROPIC_OAUTH_TOKEN: sk-ant-oat01-abc
      EMPTY: ''
      QUOTED: 'it''s'
      DOUBLE: "a\\tb"
      NOTHING: null
      OPENCLAW_GATEWAY_PORT: '18789'
    image: local/openclaw-official
    volumes:
    - /srv/oc/state:/home/node/.openclaw:rw
version: '3.9'
volumes:
  ocdata: {}
`;

Deno.test("resolved project (v1 YAML): every service, and the asked service's environment with PyYAML's quoting undone", () => {
  const view = parseConfigYaml(V1_YAML, "openclaw-gateway");
  assert.deepEqual(view.services, ["openclaw-cli", "openclaw-gateway"]);
  assert.deepEqual(view.service, {
    environment: {
      ANTHROPIC_OAUTH_TOKEN: "sk-ant-oat01-abc",
      EMPTY: "",
      QUOTED: "it's",
      DOUBLE: "a\tb",
      OPENCLAW_GATEWAY_PORT: "18789",
    },
  });
  assert.equal(parseConfigYaml(V1_YAML, "nope").service, undefined);
  assert.deepEqual(parseConfigYaml("", "x"), {
    services: [],
    service: undefined,
  });
});

Deno.test("resolved project (v2 JSON): environment (null values dropped) and env_file in its string, list and {path, required} forms", () => {
  const json = (envFile: unknown) =>
    JSON.stringify({
      name: "oc",
      services: {
        "openclaw-gateway": {
          environment: { A: "1", B: null },
          ...(envFile === undefined ? {} : { env_file: envFile }),
        },
        other: {},
      },
    });
  assert.deepEqual(parseConfigJson(json("/srv/.env"), "openclaw-gateway"), {
    services: ["openclaw-gateway", "other"],
    service: { environment: { A: "1" }, envFiles: ["/srv/.env"] },
  });
  assert.deepEqual(
    parseConfigJson(
      json([{ path: "/srv/.env", required: false }, "/srv/b.env"]),
      "openclaw-gateway",
    )?.service?.envFiles,
    ["/srv/.env", "/srv/b.env"],
  );
  assert.deepEqual(
    parseConfigJson(json(undefined), "openclaw-gateway")?.service?.envFiles,
    [],
    "v2 names env files: none is none, not unknown",
  );
  assert.equal(parseConfigJson("Usage: config [options]", "x"), undefined);
});

Deno.test("resolved project: v2 is asked for JSON; an answer that is not JSON (v1 behind `docker compose` prints usage, exit 0) is asked again as YAML", async () => {
  const calls: string[] = [];
  const run = (argv: string[], _o: RunOptions) => {
    calls.push(argv.join(" "));
    return Promise.resolve(
      ok(argv.includes("--format") ? "" : V1_YAML),
    );
  };
  const config = targetSettings({ "env-file": "/srv/oc/.env" });
  const view = await projectView(run, "v2", config);
  assert.equal(
    view.service?.environment.ANTHROPIC_OAUTH_TOKEN,
    "sk-ant-oat01-abc",
  );
  assert.deepEqual(calls, [
    "docker compose config --format json",
    "docker compose config",
  ]);
});
