/**
 * Discovery of a compose target's OpenClaw: the gateway's container (the one
 * an earlier run found while it runs, else compose's), its state directory
 * (the `.env`'s OPENCLAW_CONFIG_DIR, else the container's mount, a named
 * volume through `docker volume inspect`), how to reach the gateway (on this
 * host's network, else from inside its container) and the CLI prefixes to
 * try in the container.
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
  type ComposeVariant,
  detectCompose,
} from "../compose/project.ts";
import { envValue } from "../lib/dotenv.ts";
import { messageOf } from "../lib/errors.ts";
import { exists, readTextIfExists } from "../lib/files.ts";
import {
  CLI_SERVICE,
  cliOf,
  cliServiceCandidate,
  composeCandidates,
  configuredCli,
} from "./cli.ts";
import { type Found, found } from "./found.ts";
import type { GatewayReach } from "./gateway_ask.ts";
import { gatewayToken } from "./gateway_access.ts";
import {
  configured,
  directClosed,
  type DiscoverDeps,
  type DiscoverInput,
  type Discovery,
  stateVersion,
  storeKind,
  writeNote,
} from "./discovery.ts";

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
    setting: configured(input, deps, "openclawGatewayToken"),
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
  const url = configured(input, deps, "openclawGateway");
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

/** Discovers a compose target's OpenClaw. */
export async function discoverCompose(
  input: DiscoverInput,
  deps: DiscoverDeps,
): Promise<Discovery> {
  const looked: string[] = [];
  const notes: string[] = [];
  const { c, variant } = await findContainer(input, deps, looked);
  const composeDir = input.composeDir ?? ".";
  let stateDir = configured(input, deps, "openclawState") ??
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
