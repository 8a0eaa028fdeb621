/**
 * What this host tells about the OpenClaw a target delivers to, and where
 * each part came from: its state directory (the settings, the compose
 * `.env`'s OPENCLAW_CONFIG_DIR, the running gateway container's mount of its
 * state, or a native install's ~/.openclaw), the auth store in it, how to
 * reach the running gateway's WebSocket API (directly, or from inside its
 * container), and the CLI prefixes to try. A compose target (a `.env` or a
 * compose directory is configured) is discovered through compose; any other
 * target as a native install. Discovery never picks between the two.
 */
import { isAbsolute, join, resolve } from "../lib/path.ts";
import {
  type Container,
  containerEnvValue,
  inspectContainer,
  inspectVolume,
  mountOf,
  runningContainer,
} from "../compose/container.ts";
import {
  compose,
  type ComposeConfig,
  type ComposeVariant,
  detectCompose,
} from "../compose/project.ts";
import { envValue } from "../lib/dotenv.ts";
import { messageOf } from "../lib/errors.ts";
import { exists, readTextIfExists } from "../lib/files.ts";
import type { Runner } from "../lib/process.ts";
import { authProfilesPath, storeDatabase } from "../sinks/auth_store.ts";
import {
  CLI_SERVICE,
  cliOf,
  cliServiceCandidate,
  composeCandidates,
  configuredCli,
  type OpenClawCli,
} from "./cli.ts";
import { type Found, found } from "./found.ts";
import type { GatewayReach } from "./gateway_ask.ts";
import { gatewayToken, openclawJson } from "./gateway_access.ts";
import { findNativeCli } from "./native.ts";
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

/** A configured value with where it was set. */
function configured(
  value: string | undefined,
  key: string,
  flag: string,
  origins: Record<string, string> | undefined,
): Found<string> | undefined {
  return value === undefined ? undefined : found(value, origins?.[key] ?? flag);
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
async function writeNote(
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

/** The gateway's port inside its container: `--port N` of its command, else OPENCLAW_GATEWAY_PORT of its environment, else 18789. */
export function containerPort(c: Pick<Container, "command" | "env">): number {
  const i = c.command.indexOf("--port");
  const fromArgs = i >= 0 ? Number(c.command[i + 1]) : NaN;
  if (Number.isInteger(fromArgs) && fromArgs > 0) return fromArgs;
  const fromEnv = Number(containerEnvValue(c.env, "OPENCLAW_GATEWAY_PORT"));
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 18789;
}

/** OpenClaw's state directory inside its container: its OPENCLAW_STATE_DIR, else ~/.openclaw of its HOME (the official image: /home/node/.openclaw). */
function containerStateDir(c: Pick<Container, "env">): string {
  return containerEnvValue(c.env, "OPENCLAW_STATE_DIR") ??
    `${containerEnvValue(c.env, "HOME") ?? "/home/node"}/.openclaw`;
}

/** The gateway's container and the compose variant: the container an earlier run found while it still runs (with that run's variant, when known), else compose's. */
async function findContainer(
  input: DiscoverInput,
  deps: DiscoverDeps,
  looked: string[],
): Promise<{ c?: Container; variant: ComposeVariant }> {
  const timeout = input.composeTimeout;
  const known = deps.container
    ? await inspectContainer(deps.run, deps.container, timeout)
      .catch(() => undefined)
    : undefined;
  if (known?.running && deps.compose) {
    return { c: known, variant: deps.compose };
  }
  const variant = await detectCompose(deps.run);
  if (known?.running) return { c: known, variant };
  try {
    const id = await runningContainer(deps.run, variant, input);
    if (!id) {
      looked.push(`${input.service} has no running container`);
      return { variant };
    }
    return { c: await inspectContainer(deps.run, id, timeout), variant };
  } catch (err) {
    looked.push(`the gateway's container: ${messageOf(err)}`);
    return { variant };
  }
}

/** The state directory a compose `.env` names (OPENCLAW_CONFIG_DIR, which OpenClaw's compose file mounts at the state path). */
async function fromEnvFile(
  envFile: string,
  composeDir: string,
  looked: string[],
): Promise<Found<string> | undefined> {
  const text = await readTextIfExists(envFile).catch(() => undefined);
  const dir = text === undefined
    ? undefined
    : envValue(text, "OPENCLAW_CONFIG_DIR");
  if (!dir) {
    looked.push(`OPENCLAW_CONFIG_DIR is not in ${envFile}`);
    return undefined;
  }
  const path = isAbsolute(dir) ? dir : resolve(composeDir, dir);
  if (!(await exists(path))) {
    looked.push(
      `OPENCLAW_CONFIG_DIR in ${envFile} names ${path}, which is not on this host`,
    );
    return undefined;
  }
  return found(path, `OPENCLAW_CONFIG_DIR in ${envFile}`);
}

/** The state directory the gateway's container mounts: a bind mount's host path, or a named volume's mountpoint. */
async function fromMount(
  c: Container,
  deps: DiscoverDeps,
  timeoutMs: number,
  looked: string[],
  notes: string[],
): Promise<Found<string> | undefined> {
  const inside = containerStateDir(c);
  const mount = mountOf(c, inside);
  const id = c.id.slice(0, 12);
  if (!mount) {
    looked.push(
      `container ${id} mounts nothing at ${inside} (its state stays inside it)`,
    );
    return undefined;
  }
  const sub = inside.slice(mount.destination.length);
  /** The host path, when this process sees it (a sidecar must mount it at the same path). */
  const onHost = async (path: string, from: string) => {
    if (await exists(path)) return found(path, from);
    looked.push(
      `container ${id} keeps ${inside} in ${path}, which this process does not see (a sidecar must mount it at the same path)`,
    );
    return undefined;
  };
  if (mount.type === "bind") {
    return await onHost(
      join(mount.source, sub),
      `the bind mount of ${inside} in container ${id}`,
    );
  }
  if (mount.type !== "volume" || !mount.name) {
    looked.push(`container ${id} mounts ${inside} as ${mount.type}`);
    return undefined;
  }
  try {
    const volume = await inspectVolume(deps.run, mount.name, timeoutMs);
    if (volume.driver && volume.driver !== "local") {
      notes.push(
        `volume ${volume.name} of ${inside} uses driver ${volume.driver}: its files are not on this host`,
      );
      return undefined;
    }
    const base = volume.mountpoint ?? mount.source;
    return await onHost(
      join(base, sub),
      `named volume ${volume.name} mounted at ${inside} in container ${id} (docker volume inspect)`,
    );
  } catch (err) {
    looked.push(messageOf(err));
    return undefined;
  }
}

/** How to reach the gateway of a compose target, or why not. */
async function composeReach(
  input: DiscoverInput,
  deps: DiscoverDeps,
  c: Container | undefined,
  stateDir: string | undefined,
): Promise<{ reach?: GatewayReach; closed?: string }> {
  if (!c) {
    return {
      closed:
        `the gateway's container is not running (start it: docker compose up -d ${input.service})`,
    };
  }
  const token = await gatewayToken({
    setting: configuredToken(input, deps),
    env: deps.env,
    stateDir,
    containerEnv: c.env,
    envFile: input.envFile,
  });
  if (!token) {
    return {
      closed:
        "no gateway token is known (none in the settings, the container's environment, the .env or openclaw.json): set --openclaw-gateway-token",
    };
  }
  const url = configured(
    input.openclawGateway,
    "openclawGateway",
    "--openclaw-gateway",
    deps.origins,
  );
  const port = containerPort(c);
  if (url || c.networkMode === "host") {
    return {
      reach: {
        kind: "ws",
        url: url ??
          found(
            `ws://127.0.0.1:${port}`,
            `the gateway's port in container ${
              c.id.slice(0, 12)
            }, which shares this host's network`,
          ),
        token,
      },
    };
  }
  return { reach: { kind: "exec", container: c.id, port, token } };
}

/** The gateway token the settings give, with where it was set. */
function configuredToken(
  input: DiscoverInput,
  deps: DiscoverDeps,
): Found<string> | undefined {
  return configured(
    input.openclawGatewayToken,
    "openclawGatewayToken",
    "--openclaw-gateway-token",
    deps.origins,
  );
}

/** Discovers a compose target's OpenClaw. */
async function discoverCompose(
  input: DiscoverInput,
  deps: DiscoverDeps,
): Promise<Discovery> {
  const looked: string[] = [];
  const notes: string[] = [];
  const { c, variant } = await findContainer(input, deps, looked);
  const composeDir = input.composeDir ?? ".";
  let stateDir = configured(
    input.openclawState,
    "openclawState",
    "--openclaw-state",
    deps.origins,
  ) ??
    (input.envFile
      ? await fromEnvFile(input.envFile, composeDir, looked)
      : undefined);
  if (!stateDir && c) {
    stateDir = await fromMount(c, deps, input.composeTimeout, looked, notes);
  }
  const store = await storeKind(stateDir?.value);
  if (stateDir && store === undefined) {
    looked.push(`${stateDir.value} holds no OpenClaw auth store yet`);
  }
  const note = stateDir && await writeNote(stateDir.value, store, deps.uid);
  if (note) notes.push(note);
  const { reach, closed } = await composeReach(input, deps, c, stateDir?.value);
  const given = configuredCli(input, deps.origins?.openclawCli);
  const cli = given
    ? [given]
    : composeCandidates(variant, input).map((f) => cliOf(f, input));
  const moreCli = given || input.service === CLI_SERVICE
    ? undefined
    : async () => {
      const services = await compose(deps.run, variant, input, [
        "config",
        "--services",
      ]).then((out) => out.split("\n").map((s) => s.trim()), () =>
        [] as string[]);
      return services.includes(CLI_SERVICE)
        ? [cliOf(cliServiceCandidate(variant, input), input)]
        : [];
    };
  return {
    kind: "compose",
    stateDir,
    store,
    version: stateVersion(stateDir?.value, store),
    container: c && { id: c.id, running: c.running, image: c.image },
    reach,
    closed: directClosed(stateDir, store, note, closed, "compose"),
    cli,
    moreCli,
    variant,
    notes,
    looked,
  };
}

/** The version a current store records. */
function stateVersion(
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
function directClosed(
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

/** Discovers a native OpenClaw: the state directory configured (or found by the caller), its gateway, its CLI. */
async function discoverNative(
  input: DiscoverInput,
  deps: DiscoverDeps,
): Promise<Discovery> {
  const looked: string[] = [];
  const notes: string[] = [];
  const stateDir = configured(
    input.openclawState,
    "openclawState",
    "--openclaw-state",
    deps.origins,
  );
  const store = await storeKind(stateDir?.value);
  const note = stateDir && await writeNote(stateDir.value, store, deps.uid);
  if (note) notes.push(note);
  let reach: GatewayReach | undefined;
  let closed: string | undefined;
  const token = stateDir && await gatewayToken({
    setting: configuredToken(input, deps),
    env: deps.env,
    stateDir: stateDir.value,
  });
  if (stateDir && token) {
    const own = await openclawJson(stateDir.value);
    const url = configured(
      input.openclawGateway,
      "openclawGateway",
      "--openclaw-gateway",
      deps.origins,
    ) ??
      (own.port
        ? found(
          `ws://127.0.0.1:${own.port}`,
          `gateway.port in ${join(stateDir.value, "openclaw.json")}`,
        )
        : found("ws://127.0.0.1:18789", "OpenClaw's default port"));
    reach = { kind: "ws", url, token };
  } else if (stateDir) {
    closed =
      "no gateway token is known (none in the settings, the environment, openclaw.json or OpenClaw's .env files): set --openclaw-gateway-token";
  }
  const given = configuredCli(input, deps.origins?.openclawCli);
  const onPath = given ? undefined : await findNativeCli(deps.env, stateDir);
  looked.push(...(onPath?.looked ?? []));
  const cli = given ? [given] : onPath?.cli ? [cliOf(onPath.cli, input)] : [];
  return {
    kind: "native",
    stateDir,
    store,
    version: stateVersion(stateDir?.value, store),
    reach,
    closed: directClosed(stateDir, store, note, closed, "native"),
    cli,
    notes,
    looked,
  };
}

/** Discovers a target's OpenClaw: through compose for a compose target, else as a native install. */
export function discover(
  input: DiscoverInput,
  deps: DiscoverDeps,
): Promise<Discovery> {
  return isComposeTarget(input)
    ? discoverCompose(input, deps)
    : discoverNative(input, deps);
}
