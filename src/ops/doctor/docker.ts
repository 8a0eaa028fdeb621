/** Doctor: per target, the Docker engine, compose v2 or v1, the gateway's service in its project, and its container. */
import type { TargetSettings } from "../../config/settings.ts";
import { runningContainer } from "../../compose/container.ts";
import {
  compose,
  type ComposeVariant,
  findCompose,
} from "../../compose/project.ts";
import { messageOf } from "../../lib/errors.ts";
import { type Runner, tail } from "../../lib/process.ts";
import { type Finding, finding, perTarget } from "./check.ts";

/** The engine answering `docker version`, as a finding; whether it answered. */
async function engineFinding(
  run: Runner,
): Promise<{ finding: Finding; reachable: boolean }> {
  const engine = await run(
    ["docker", "version", "--format", "{{.Server.Version}}"],
    { timeoutMs: 10_000 },
  );
  if (engine.code === 0 && !engine.timedOut) {
    return {
      reachable: true,
      finding: finding(
        "docker",
        "ok",
        `engine ${engine.stdout.trim() || "(version unknown)"} reachable`,
      ),
    };
  }
  return {
    reachable: false,
    finding: engine.code === 127
      ? finding(
        "docker",
        "fail",
        "the docker CLI is not on PATH",
        "install the Docker CLI (Debian: docker.io)",
      )
      : finding(
        "docker",
        "fail",
        `cannot reach the engine at ${
          Deno.env.get("DOCKER_HOST") ?? "unix:///var/run/docker.sock"
        }: ${tail(engine.stderr, 2) || `exit code ${engine.code}`}`,
        "start the engine, or let this user use it (docker group, DOCKER_HOST)",
      ),
  };
}

/** The gateway's service in the project and its running container. */
async function serviceFindings(
  t: TargetSettings,
  run: Runner,
  variant: ComposeVariant,
  reachable: boolean,
): Promise<Finding[]> {
  let services: string[];
  try {
    services = (await compose(run, variant, t, ["config", "--services"]))
      .split("\n").map((s) => s.trim()).filter(Boolean);
  } catch (err) {
    return [finding(
      "compose project",
      "fail",
      messageOf(err),
      "point --compose-dir (and --compose-file, --compose-project) at the gateway's compose project",
    )];
  }
  if (!services.includes(t.service)) {
    return [finding(
      "compose project",
      "fail",
      `no service ${t.service} in the project at ${t.composeDir} (services: ${
        services.join(", ") || "none"
      })`,
      "set --service to the gateway's service",
    )];
  }
  const findings = [
    finding(
      "compose project",
      "ok",
      `service ${t.service} found in ${t.composeDir}`,
    ),
  ];
  if (!reachable) return findings;
  try {
    const id = await runningContainer(run, variant, t);
    findings.push(
      id
        ? finding("gateway", "ok", `container ${id.slice(0, 12)} running`)
        : finding(
          "gateway",
          "warn",
          `${t.service} has no running container`,
          `start it: docker compose up -d ${t.service}`,
        ),
    );
  } catch (err) {
    findings.push(finding("gateway", "fail", messageOf(err)));
  }
  return findings;
}

/** The Docker engine, compose, the gateway's service and its container, for each target that recreates its gateway. */
export const dockerCheck = perTarget(
  "docker",
  async ({ settings: t }, { run }) => {
    if (!t.envFile || t.restart === "none") {
      return [
        finding(
          "docker",
          "ok",
          `not used (${
            t.envFile ? "--restart none" : "no --env-file"
          }): the gateway is not recreated`,
        ),
      ];
    }
    const engine = await engineFinding(run);
    const found = await findCompose(run);
    if (!found) {
      return [
        engine.finding,
        finding(
          "compose",
          "fail",
          "neither `docker compose` (v2) nor `docker-compose` (v1) runs",
          "install the compose plugin (Debian: docker-compose-plugin or docker-compose)",
        ),
      ];
    }
    return [
      engine.finding,
      finding("compose", "ok", `${found.variant}: ${found.version}`),
      ...await serviceFindings(t, run, found.variant, engine.reachable),
    ];
  },
);
