/**
 * What discovery finds of a target's OpenClaw (src/openclaw/discover.ts),
 * and what finding it in compose and natively share: the auth store a state
 * directory holds, whether this agent may write it, the configured values
 * with where they were set, and why the direct route is closed.
 */
import type { Container } from "../compose/container.ts";
import type { ComposeConfig, ComposeVariant } from "../compose/project.ts";
import { exists } from "../lib/files.ts";
import type { Runner } from "../lib/process.ts";
import { authProfilesPath, storeDatabase } from "../sinks/auth_store.ts";
import type { OpenClawCli } from "./cli.ts";
import { type Found, found } from "./found.ts";
import type { GatewayReach } from "./gateway_ask.ts";
import type { StoreKind } from "./route.ts";
import { storeVersion } from "./sqlite_store.ts";

/** The settings that say where a target's OpenClaw is. */
export interface OpenClawSettings {
  openclawState?: string;
  openclawGateway?: string;
  openclawGatewayToken?: string;
  openclawCli?: string;
  envFile?: string;
}

/** What discovery takes of a target. */
export type DiscoverInput = OpenClawSettings & ComposeConfig;

/** What discovery may touch and what it already knows. */
export interface DiscoverDeps {
  run: Runner;
  /** The agent's environment. */
  env: Record<string, string | undefined>;
  /** The user the agent runs as. */
  uid: number | null;
  /** Where each configured value came from (`--openclaw-state`, `found: …`). */
  origins?: Record<string, string>;
  /** The gateway container an earlier run found (the state file of `--once`). */
  container?: string;
  /** The compose variant that earlier run used: while its container runs, compose is not asked again. */
  compose?: ComposeVariant;
}

/** Everything discovery found of one target's OpenClaw. */
export interface Discovery {
  kind: "compose" | "native";
  stateDir?: Found<string>;
  store: StoreKind;
  version?: Found<string>;
  /** The gateway's container (compose). */
  container?: Pick<Container, "id" | "running" | "image">;
  /** How to make the running gateway reload and say what it uses (verification on any route); undefined when it cannot be reached. */
  reach?: GatewayReach;
  /** Why the direct route (store + reach) is closed and which setting would open it; undefined when it is open. */
  closed?: string;
  /** The CLIs to try, in order (one when --openclaw-cli is set). */
  cli: OpenClawCli[];
  /** Further CLIs, asked for only when none of `cli` could be reached (the project's openclaw-cli service). */
  moreCli?: () => Promise<OpenClawCli[]>;
  /** The compose variant (compose targets). */
  variant?: ComposeVariant;
  /** What the user should hear once: an unwritable state directory, a volume on another driver. */
  notes: string[];
  /** Where discovery looked and found nothing. */
  looked: string[];
}

/** Whether a target is a compose deployment (a `.env` or a compose directory is configured). */
export function isComposeTarget(
  t: OpenClawSettings & { composeDir?: string },
): boolean {
  return t.envFile !== undefined || t.composeDir !== undefined;
}

/** Which auth store an OpenClaw state directory holds, by the files in it. */
export async function storeKind(
  stateDir: string | undefined,
): Promise<StoreKind> {
  if (!stateDir) return undefined;
  if (await exists(storeDatabase(stateDir))) return "sqlite";
  if (await exists(authProfilesPath(stateDir))) return "auth-profiles";
  return undefined;
}

/** The flag of each setting discovery takes as given. */
const FLAGS = {
  openclawState: "--openclaw-state",
  openclawGateway: "--openclaw-gateway",
  openclawGatewayToken: "--openclaw-gateway-token",
} as const;

/** A value the target's settings give, with where it was set (its origin, else its flag). */
export function configured(
  input: OpenClawSettings,
  deps: Pick<DiscoverDeps, "origins">,
  key: keyof typeof FLAGS,
): Found<string> | undefined {
  const value = input[key];
  return value === undefined
    ? undefined
    : found(value, deps.origins?.[key] ?? FLAGS[key]);
}

/** Whether this process may write a path (root may; else by owner, group and mode). */
async function writable(path: string, uid: number | null): Promise<boolean> {
  if (uid === null || uid === 0) return true;
  try {
    const info = await Deno.stat(path);
    const mode = info.mode ?? 0;
    if (info.uid === uid) return (mode & 0o200) !== 0;
    if (info.gid === Deno.gid()) return (mode & 0o020) !== 0;
    return (mode & 0o002) !== 0;
  } catch {
    return true; // absent: the write itself says what is wrong
  }
}

/** The note when the agent cannot write the store it found. */
export async function writeNote(
  stateDir: string,
  store: StoreKind,
  uid: number | null,
): Promise<string | undefined> {
  if (store === undefined) return undefined;
  const file = store === "sqlite"
    ? storeDatabase(stateDir)
    : authProfilesPath(stateDir);
  return await writable(file, uid)
    ? undefined
    : `${file} is not writable by uid ${uid}, which this tool runs as: run it as the file's owner (or root) for the direct route`;
}

/** The version a current store records. */
export function stateVersion(
  stateDir: string | undefined,
  store: StoreKind,
): Found<string> | undefined {
  if (!stateDir || store !== "sqlite") return undefined;
  const version = storeVersion(storeDatabase(stateDir));
  return version
    ? found(version, "schema_meta of state/openclaw.sqlite")
    : undefined;
}

/** Why the direct route is closed, naming what would open it; undefined when it is open. */
export function directClosed(
  stateDir: Found<string> | undefined,
  store: StoreKind,
  note: string | undefined,
  reachClosed: string | undefined,
  kind: "compose" | "native",
): string | undefined {
  if (!stateDir) {
    return kind === "compose"
      ? "OpenClaw's state directory was not found on this host: set --openclaw-state to the directory the gateway mounts at /home/node/.openclaw (or OPENCLAW_CONFIG_DIR in the .env)"
      : "OpenClaw's state directory was not found: set --openclaw-state (or OPENCLAW_STATE_DIR)";
  }
  if (store === "auth-profiles") return undefined;
  if (store !== "sqlite") {
    return `${stateDir.value} holds no state/openclaw.sqlite (an OpenClaw before 2026.9, or a gateway never started)`;
  }
  return note ?? reachClosed;
}
