/**
 * Whether the `.env` this tool writes reaches the gateway's container: from
 * the resolved project, the gateway service's environment holds the value the
 * `.env` gives the key (through `env_file:`, or an `environment:` entry that
 * interpolates it), or compose v2 names the `.env` among its env files. When
 * it does not, recreating the gateway for a `.env` change changes nothing.
 */
import { resolve } from "../lib/path.ts";

/** The verdict: reaches (and how), does not (and the line that would fix it), or cannot be told (and why; `yet` when the `.env` holding the key would tell). */
export type EnvReach =
  | { reaches: true; how: string }
  | { reaches: false; fix: string }
  | { reaches: undefined; why: string; yet?: boolean };

/** What the verdict is drawn from besides the project: the `.env`, its key and value, the service and the compose file's name. */
export interface EnvReachInput {
  service: string;
  envKey: string;
  /** The value the `.env` gives the key now, when it holds it. */
  value?: string;
  envFile: string;
  /** The compose file the fix names (`docker-compose.yml` unless --compose-file says otherwise). */
  composeFile: string;
  /** The compose directory, against which relative env file paths resolve. */
  composeDir: string;
}

/** The variable OpenClaw reads an Anthropic OAuth token from. */
export const OPENCLAW_TOKEN_VARIABLE = "ANTHROPIC_OAUTH_TOKEN";

/** The line that carries the key into the gateway's environment, and where it goes. */
export function envReachFix(input: EnvReachInput): string {
  return `add \`${OPENCLAW_TOKEN_VARIABLE}: \${${input.envKey}:-}\` under services.${input.service}.environment in ${input.composeFile} (or list .env under its env_file:), then \`docker compose up -d ${input.service}\``;
}

/** What the resolved project says of one service (src/compose/resolved.ts reads it): its environment, and its env files when compose names them (v2 does, v1 does not). */
export interface ServiceView {
  environment: Record<string, string>;
  envFiles?: string[];
}

/** The services of the resolved project and the view of the one asked for. */
export interface ProjectView {
  services: string[];
  service?: ServiceView;
}

/** Decides whether the `.env` reaches the service's container. */
export function envReach(
  view: ProjectView | undefined,
  input: EnvReachInput,
): EnvReach {
  if (!view?.service) {
    return {
      reaches: undefined,
      why: view
        ? `the project has no service ${input.service} (services: ${
          view.services.join(", ") || "none"
        })`
        : "the project could not be read",
    };
  }
  const { environment, envFiles } = view.service;
  const envFile = resolve(input.envFile);
  const listed = envFiles?.some((f) =>
    resolve(input.composeDir, f) === envFile
  );
  if (listed) return { reaches: true, how: "through env_file" };
  if (input.value !== undefined && input.value !== "") {
    const names = Object.entries(environment)
      .filter(([, v]) => v === input.value)
      .map(([k]) => k);
    if (names.length > 0) {
      return {
        reaches: true,
        how: `as ${names.join(", ")} in its environment`,
      };
    }
    return { reaches: false, fix: envReachFix(input) };
  }
  return {
    reaches: undefined,
    yet: true,
    why: `the .env does not hold ${input.envKey} yet${
      envFiles === undefined ? " (compose v1 does not name env files)" : ""
    }`,
  };
}
