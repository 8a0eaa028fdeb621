/** The gateway's running container, as `docker compose ps` and `docker inspect` see it. */
import * as z from "../lib/zod/zod.js";
import type { Runner } from "../lib/process.ts";
import { compose, type ComposeConfig, type ComposeVariant } from "./project.ts";

/** What `docker inspect` tells of a container that this tool uses. */
const Inspected = z.object({
  Id: z.string(),
  Config: z.object({
    Env: z.catch(z.nullable(z.array(z.string())), []),
    Labels: z.catch(z.nullable(z.record(z.string(), z.string())), {}),
  }),
  Mounts: z.catch(
    z.nullable(z.array(z.object({
      Type: z.string(),
      Source: z.string(),
      Destination: z.string(),
      Name: z.optional(z.string()),
    }))),
    [],
  ),
});

/** A running container: its id, environment, labels and mounts. */
export interface Container {
  id: string;
  env: string[];
  labels: Record<string, string>;
  mounts: {
    type: string;
    source: string;
    destination: string;
    name?: string;
  }[];
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

/** Inspects a container; throws with docker's error when it cannot. */
export async function inspectContainer(
  run: Runner,
  id: string,
  timeoutMs: number,
): Promise<Container> {
  const r = await run(["docker", "inspect", id], { timeoutMs });
  if (r.code !== 0 || r.timedOut) {
    throw new Error(
      `docker inspect ${id.slice(0, 12)} failed: ${
        r.stderr.trim() || `exit code ${r.code}`
      }`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  const parsed = z.array(Inspected).check(z.minLength(1)).safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `docker inspect ${id.slice(0, 12)} printed an unexpected shape`,
    );
  }
  const [c] = parsed.data;
  return {
    id: c.Id,
    env: c.Config.Env ?? [],
    labels: c.Config.Labels ?? {},
    mounts: (c.Mounts ?? []).map((m) => ({
      type: m.Type,
      source: m.Source,
      destination: m.Destination,
      ...(m.Name ? { name: m.Name } : {}),
    })),
  };
}

/** The value of one variable in a container's environment list (its last entry, as the process sees it). */
export function containerEnvValue(
  env: string[],
  key: string,
): string | undefined {
  return env.findLast((e) => e.startsWith(`${key}=`))?.slice(key.length + 1);
}
