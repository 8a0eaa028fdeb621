/** The gateway's running container, as `docker compose ps` and `docker inspect` see it. */
import { jsonOf, lenient } from "../lib/untrusted.ts";
import * as z from "../lib/zod/zod.js";
import type { Runner } from "../lib/process.ts";
import { compose, type ComposeConfig, type ComposeVariant } from "./project.ts";

/** What `docker inspect` tells of a container that this tool uses (its environment holds secrets: never logged). */
const Inspected = z.object({
  Id: z.string(),
  Path: lenient(z.string()),
  Args: lenient(z.nullable(z.array(z.string()))),
  State: lenient(z.object({ Running: lenient(z.boolean()) })),
  Config: z.object({
    Env: z.catch(z.nullable(z.array(z.string())), []),
    Labels: z.catch(z.nullable(z.record(z.string(), z.string())), {}),
    Image: lenient(z.string()),
    WorkingDir: lenient(z.string()),
  }),
  HostConfig: lenient(z.object({ NetworkMode: lenient(z.string()) })),
  Mounts: z.catch(
    z.nullable(z.array(z.object({
      Type: z.string(),
      Source: z.string(),
      Destination: z.string(),
      Name: z.optional(z.string()),
      RW: lenient(z.boolean()),
    }))),
    [],
  ),
});

/** One mount of a container: a bind mount's host path, or a named volume. */
export interface Mount {
  type: string;
  source: string;
  destination: string;
  name?: string;
  rw?: boolean;
}

/** A running container: its id, environment, labels, mounts and how it runs. */
export interface Container {
  id: string;
  env: string[];
  labels: Record<string, string>;
  mounts: Mount[];
  /** Whether it runs (docker inspect's State.Running; true when docker does not say). */
  running: boolean;
  /** The image as compose named it (e.g. `openclaw:local`). */
  image?: string;
  workingDir?: string;
  /** The process it runs: entrypoint and command, as one argv. */
  command: string[];
  /** `host`, `bridge`, `<project>_default`, `container:<id>`… */
  networkMode?: string;
}

/** The id of the service's running container, or undefined when none runs. */
export async function runningContainer(
  run: Runner,
  variant: ComposeVariant,
  config: ComposeConfig,
): Promise<string | undefined> {
  const out = await compose(run, variant, config, ["ps", "-q", config.service]);
  return out.trim().split("\n")[0] || undefined;
}

/** The first object a `docker … inspect` printed, in the schema's shape; throws with docker's error, or when the shape is unexpected. */
async function inspectFirst<T extends z.Schema>(
  run: Runner,
  argv: string[],
  shown: string,
  schema: T,
  timeoutMs: number,
): Promise<z.output<T>> {
  const r = await run(argv, { timeoutMs });
  if (r.code !== 0 || r.timedOut) {
    throw new Error(
      `${shown} failed: ${r.stderr.trim() || `exit code ${r.code}`}`,
    );
  }
  const parsed = z.array(schema).check(z.minLength(1)).safeParse(
    jsonOf(r.stdout),
  );
  if (!parsed.success) throw new Error(`${shown} printed an unexpected shape`);
  return parsed.data[0];
}

/** Inspects a container; throws with docker's error when it cannot. */
export async function inspectContainer(
  run: Runner,
  id: string,
  timeoutMs: number,
): Promise<Container> {
  const c = await inspectFirst(
    run,
    ["docker", "inspect", id],
    `docker inspect ${id.slice(0, 12)}`,
    Inspected,
    timeoutMs,
  );
  return {
    id: c.Id,
    env: c.Config.Env ?? [],
    labels: c.Config.Labels ?? {},
    mounts: (c.Mounts ?? []).map((m) => ({
      type: m.Type,
      source: m.Source,
      destination: m.Destination,
      ...(m.Name ? { name: m.Name } : {}),
      ...(m.RW === undefined ? {} : { rw: m.RW }),
    })),
    running: c.State?.Running ?? true,
    image: c.Config.Image,
    workingDir: c.Config.WorkingDir,
    command: [...(c.Path ? [c.Path] : []), ...(c.Args ?? [])],
    networkMode: c.HostConfig?.NetworkMode,
  };
}

/** The value of one variable in a container's environment list (its last entry, as the process sees it). */
export function containerEnvValue(
  env: string[],
  key: string,
): string | undefined {
  return env.findLast((e) => e.startsWith(`${key}=`))?.slice(key.length + 1);
}

/** The mount that a container path lives on: the mount at it, or the deepest mount above it. */
export function mountOf(
  container: Pick<Container, "mounts">,
  path: string,
): Mount | undefined {
  return container.mounts
    .filter((m) =>
      m.destination === path || path.startsWith(`${m.destination}/`)
    )
    .sort((a, b) => b.destination.length - a.destination.length)[0];
}

/** What `docker volume inspect` tells of a named volume. */
const VolumeInspected = z.object({
  Name: z.string(),
  Driver: lenient(z.string()),
  Mountpoint: lenient(z.string()),
});

/** A named volume: its driver and where the engine keeps its files. */
export interface Volume {
  name: string;
  driver?: string;
  mountpoint?: string;
}

/** Inspects a named volume; throws with docker's error when it cannot. */
export async function inspectVolume(
  run: Runner,
  name: string,
  timeoutMs: number,
): Promise<Volume> {
  const v = await inspectFirst(
    run,
    ["docker", "volume", "inspect", name],
    `docker volume inspect ${name}`,
    VolumeInspected,
    timeoutMs,
  );
  return { name: v.Name, driver: v.Driver, mountpoint: v.Mountpoint };
}
