/** The gateway's compose project: running compose v2 or v1 in it, and recreating the gateway. */
import { deliveryFailed } from "../lib/errors.ts";
import { redact } from "../lib/fingerprint.ts";
import { type Runner, tail } from "../lib/process.ts";
import { formatDuration } from "../lib/time.ts";

/** Compose v2 (`docker compose`) or v1 (`docker-compose`). */
export type ComposeVariant = "v2" | "v1";

/** How the gateway re-reads its `.env`: recreate its container, the whole stack down and up, or not at all. */
export type RestartMode = "recreate" | "down-up" | "none";

/** The compose settings a command needs: where the project is, the gateway's service, the time limit. */
export interface ComposeConfig {
  composeDir?: string;
  composeFile?: string;
  composeProject?: string;
  service: string;
  composeTimeout: number;
}

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
export function restartSteps(
  config: ComposeConfig & { restart: RestartMode },
): string[][] {
  switch (config.restart) {
    case "recreate":
      return [["up", "-d", "--force-recreate", "--no-deps", config.service]];
    case "down-up":
      return [["down"], ["up", "-d"]];
    case "none":
      return [];
  }
}

/** The compose this host runs, and its version line. */
export interface ComposeFound {
  variant: ComposeVariant;
  version: string;
}

/** Asks which compose runs here: v2 when `docker compose version` works, else v1 when `docker-compose --version` does. */
export async function findCompose(
  run: Runner,
): Promise<ComposeFound | undefined> {
  for (
    const [variant, argv] of [
      ["v2", ["docker", "compose", "version"]],
      ["v1", ["docker-compose", "--version"]],
    ] as const
  ) {
    const r = await run([...argv], { timeoutMs: 10_000 });
    if (r.code === 0 && !r.timedOut) {
      return { variant, version: r.stdout.trim().split("\n")[0] };
    }
  }
  return undefined;
}

/** The variant each runner found, asked once per process (a pass asks in several places). */
const detected = new WeakMap<Runner, Promise<ComposeVariant>>();

/** The compose to run: v2 when it works, else v1 (whose own error then says what is missing). */
export function detectCompose(run: Runner): Promise<ComposeVariant> {
  let variant = detected.get(run);
  if (!variant) {
    variant = findCompose(run).then((f) => f?.variant ?? "v1");
    detected.set(run, variant);
  }
  return variant;
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
    ? `timed out after ${formatDuration(config.composeTimeout)}`
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
  config: ComposeConfig & { restart: RestartMode },
): Promise<void> {
  const steps = restartSteps(config);
  if (steps.length === 0) return;
  const variant = await detectCompose(run);
  for (const step of steps) await compose(run, variant, config, step);
}
