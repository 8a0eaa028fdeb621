import type { Config } from "./config.ts";
import { deliveryFailed } from "./errors.ts";
import { redact } from "./fingerprint.ts";
import { type Runner, tail } from "./process.ts";

/** Compose v2 (`docker compose`) or v1 (`docker-compose`). */
export type ComposeVariant = "v2" | "v1";

/** The compose settings a command needs. */
export type ComposeConfig = Pick<
  Config,
  | "composeDir"
  | "composeFile"
  | "composeProject"
  | "service"
  | "restart"
  | "composeTimeout"
>;

/** The argv prefix of a compose command, with -f and -p when configured. */
export function composeBase(
  variant: ComposeVariant,
  config: ComposeConfig,
): string[] {
  return [
    ...(variant === "v2" ? ["docker", "compose"] : ["docker-compose"]),
    ...(config.composeFile ? ["-f", config.composeFile] : []),
    ...(config.composeProject ? ["-p", config.composeProject] : []),
  ];
}

/** The compose subcommands that make the gateway re-read `.env`, in order. */
export function restartSteps(config: ComposeConfig): string[][] {
  switch (config.restart) {
    case "recreate":
      return [["up", "-d", "--force-recreate", "--no-deps", config.service]];
    case "down-up":
      return [["down"], ["up", "-d"]];
    case "none":
      return [];
  }
}

/** Asks docker which compose is available: v2 when `docker compose version` works, else v1. */
export async function detectCompose(run: Runner): Promise<ComposeVariant> {
  const probe = await run(["docker", "compose", "version"], {
    timeoutMs: 10_000,
  });
  return probe.code === 0 ? "v2" : "v1";
}

/** What docker and docker-compose print when no daemon answers. */
const DAEMON_UNREACHABLE =
  /Cannot connect to the Docker daemon|Error while fetching server API version|Is the docker daemon running/i;

/** Runs one compose subcommand in the compose directory; throws a delivery error naming the exit code and stderr. */
export async function compose(
  run: Runner,
  variant: ComposeVariant,
  config: ComposeConfig,
  args: string[],
): Promise<string> {
  const argv = [...composeBase(variant, config), ...args];
  const result = await run(argv, {
    cwd: config.composeDir,
    timeoutMs: config.composeTimeout,
  });
  if (result.code === 0 && !result.timedOut) return result.stdout;
  const why = result.timedOut
    ? `timed out after ${config.composeTimeout / 1000} s`
    : `exit code ${result.code}`;
  let message = `${argv.join(" ")} failed (${why})`;
  if (DAEMON_UNREACHABLE.test(result.stderr)) {
    message += `: cannot reach the Docker daemon at ${
      Deno.env.get("DOCKER_HOST") ?? "unix:///var/run/docker.sock"
    } (is it running, and may this user use it?)`;
  }
  if (result.stderr.trim()) message += `: ${redact(tail(result.stderr))}`;
  if (!args.includes("config") && /no such service/i.test(result.stderr)) {
    const services = await compose(run, variant, config, [
      "config",
      "--services",
    ]).catch(() => "");
    message += `; services in this project: ${
      services.trim().split("\n").join(", ") || "(none found)"
    }`;
  }
  throw deliveryFailed(message);
}

/** Recreates the gateway as configured by --restart, so it re-reads `.env`. */
export async function restartGateway(
  run: Runner,
  config: ComposeConfig,
): Promise<void> {
  const steps = restartSteps(config);
  if (steps.length === 0) return;
  const variant = await detectCompose(run);
  for (const step of steps) await compose(run, variant, config, step);
}
