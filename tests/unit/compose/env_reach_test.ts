import assert from "node:assert/strict";
import {
  envReach,
  type EnvReachInput,
} from "../../../src/compose/env_reach.ts";

const input: EnvReachInput = {
  service: "openclaw-gateway",
  envKey: "ANTHROPIC_OAUTH_TOKEN",
  value: "sk-ant-oat01-x",
  envFile: "/srv/oc/.env",
  composeFile: "docker-compose.yml",
  composeDir: "/srv/oc",
};
const project = (
  environment: Record<string, string>,
  envFiles?: string[],
) => ({
  services: ["openclaw-gateway", "openclaw-cli"],
  service: { environment, envFiles },
});

Deno.test("env reach: the .env's value in the service's environment reaches it (env_file merged by v1, or interpolated), named by the variable it arrives as", () => {
  assert.deepEqual(
    envReach(
      project({ ANTHROPIC_OAUTH_TOKEN: "sk-ant-oat01-x", HOME: "/h" }),
      input,
    ),
    { reaches: true, how: "as ANTHROPIC_OAUTH_TOKEN in its environment" },
  );
  assert.deepEqual(
    envReach(project({ CLAUDE: "sk-ant-oat01-x" }), input),
    { reaches: true, how: "as CLAUDE in its environment" },
  );
});

Deno.test("env reach: compose v2 naming the .env among the service's env files reaches it even before the .env holds the key (relative paths against the compose directory)", () => {
  const before = { ...input, value: undefined };
  assert.deepEqual(envReach(project({}, ["/srv/oc/.env"]), before), {
    reaches: true,
    how: "through env_file",
  });
  assert.deepEqual(envReach(project({}, [".env"]), before).reaches, true);
  assert.deepEqual(envReach(project({}, ["other.env"]), before), {
    reaches: undefined,
    yet: true,
    why: "the .env does not hold ANTHROPIC_OAUTH_TOKEN yet",
  });
});

Deno.test("env reach: a service whose environment lacks the value does not reach it, and the fix is the line to add", () => {
  const verdict = envReach(
    project({ OPENCLAW_GATEWAY_TOKEN: "gw", HOME: "/home/node" }),
    input,
  );
  assert.equal(verdict.reaches, false);
  assert.equal(
    (verdict as { fix: string }).fix,
    "add `ANTHROPIC_OAUTH_TOKEN: ${ANTHROPIC_OAUTH_TOKEN:-}` under services.openclaw-gateway.environment in docker-compose.yml (or list .env under its env_file:), then `docker compose up -d openclaw-gateway`",
  );
  const custom = envReach(project({}, []), {
    ...input,
    envKey: "CLAUDE_TOKEN",
  });
  assert.match(
    (custom as { fix: string }).fix,
    /`ANTHROPIC_OAUTH_TOKEN: \$\{CLAUDE_TOKEN:-\}`/,
    "OpenClaw reads ANTHROPIC_OAUTH_TOKEN, whatever key the .env uses",
  );
});

Deno.test("env reach: cannot tell without the service, without the project, or (v1, which names no env files) before the .env holds the key", () => {
  assert.match(
    (envReach({ services: ["gw"] }, input) as { why: string }).why,
    /no service openclaw-gateway \(services: gw\)/,
  );
  assert.equal(envReach(undefined, input).reaches, undefined);
  const v1 = envReach(project({ HOME: "/h" }), { ...input, value: undefined });
  assert.deepEqual(v1, {
    reaches: undefined,
    yet: true,
    why:
      "the .env does not hold ANTHROPIC_OAUTH_TOKEN yet (compose v1 does not name env files)",
  });
});
