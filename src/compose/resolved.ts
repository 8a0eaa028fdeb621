/**
 * The resolved compose project as `docker compose config` prints it: which
 * services it has, and the environment one service's container gets. Compose
 * v2 prints JSON (`--format json`); compose v1 knows no `--format`, prints
 * usage and exits 0, so an answer that is not JSON is asked again as YAML.
 *
 * The output holds every secret of the `.env` and of the environment
 * resolved: it is parsed here and never logged.
 */
import { jsonOf, lenient } from "../lib/untrusted.ts";
import * as z from "../lib/zod/zod.js";
import { envValue } from "../lib/dotenv.ts";
import { messageOf } from "../lib/errors.ts";
import { readTextIfExists } from "../lib/files.ts";
import type { Runner } from "../lib/process.ts";
import { type EnvReach, envReach, type ProjectView } from "./env_reach.ts";
import {
  compose,
  type ComposeConfig,
  type ComposeVariant,
  detectCompose,
} from "./project.ts";

/** An env_file entry of v2's JSON: a path, or `{path, required}`. */
const EnvFileEntry = z.union([
  z.string(),
  z.pipe(
    z.object({ path: z.string() }),
    z.transform((e: { path: string }) => e.path),
  ),
]);

/** The part of v2's `config --format json` this tool reads. */
const ConfigJson = z.object({
  services: z.record(
    z.string(),
    z.catch(
      z.object({
        environment: lenient(z.record(z.string(), z.nullable(z.string()))),
        env_file: lenient(z.union([EnvFileEntry, z.array(EnvFileEntry)])),
      }),
      {},
    ),
  ),
});

/** The view of a v2 JSON answer; undefined when the text is not that JSON. */
export function parseConfigJson(
  text: string,
  service: string,
): ProjectView | undefined {
  const parsed = ConfigJson.safeParse(jsonOf(text));
  if (!parsed.success) return undefined;
  const services = parsed.data.services;
  const s = services[service];
  const environment = Object.fromEntries(
    Object.entries(s?.environment ?? {}).filter(([, v]) => v !== null),
  ) as Record<string, string>;
  const files = s?.env_file;
  return {
    services: Object.keys(services),
    service: s && {
      environment,
      envFiles: files === undefined
        ? []
        : Array.isArray(files)
        ? files
        : [files],
    },
  };
}

/** A scalar as PyYAML writes it: plain, 'single' ('' for a quote) or "double" (JSON escapes). */
function yamlScalar(raw: string): string | undefined {
  const s = raw.trim();
  if (s === "" || s === "null" || s === "~") return undefined;
  if (s.startsWith("'") && s.endsWith("'") && s.length >= 2) {
    return s.slice(1, -1).replaceAll("''", "'");
  }
  if (s.startsWith('"') && s.endsWith('"') && s.length >= 2) {
    try {
      return JSON.parse(s);
    } catch {
      return s.slice(1, -1);
    }
  }
  return s;
}

/**
 * The view of v1's YAML answer, read as PyYAML lays it out (block style, two
 * spaces per level): `services:`, each service at the next level, its
 * `environment:` map one level further. v1 merges env_file into the
 * environment and drops the key, so no env files are known.
 */
export function parseConfigYaml(text: string, service: string): ProjectView {
  const services: string[] = [];
  const environment: Record<string, string> = {};
  let found = false;
  let section: "services" | "other" = "other";
  let current: string | undefined;
  let inEnvironment = false;
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const indent = line.length - line.trimStart().length;
    const key = /^\s*([^\s:][^:]*?):(?:\s+(.*))?$/.exec(line);
    if (indent === 0) {
      section = key?.[1] === "services" ? "services" : "other";
      current = undefined;
      inEnvironment = false;
      continue;
    }
    if (section !== "services") continue;
    if (indent === 2 && key) {
      current = key[1];
      services.push(current);
      found ||= current === service;
      inEnvironment = false;
      continue;
    }
    if (current !== service) continue;
    if (indent === 4) {
      inEnvironment = key?.[1] === "environment";
      continue;
    }
    if (inEnvironment && indent === 6 && key) {
      const value = yamlScalar(key[2] ?? "");
      if (value !== undefined) environment[key[1]] = value;
    }
  }
  return { services, service: found ? { environment } : undefined };
}

/** The resolved project: v2's JSON, or v1's YAML when the JSON was not given. */
export async function projectView(
  run: Runner,
  variant: ComposeVariant,
  config: ComposeConfig,
): Promise<ProjectView> {
  if (variant === "v2") {
    const out = await compose(run, variant, config, [
      "config",
      "--format",
      "json",
    ]);
    const view = parseConfigJson(out, config.service);
    if (view) return view;
  }
  const out = await compose(run, variant, config, ["config"]);
  return parseConfigYaml(out, config.service);
}

/** Whether the target's `.env` reaches its gateway's container, asked of the resolved project. */
export async function envReachOf(
  run: Runner,
  config: ComposeConfig & { envFile: string; envKey: string },
): Promise<EnvReach> {
  let view: ProjectView;
  try {
    view = await projectView(run, await detectCompose(run), config);
  } catch (err) {
    return { reaches: undefined, why: messageOf(err) };
  }
  const text = await readTextIfExists(config.envFile).catch(() => undefined);
  return envReach(view, {
    service: config.service,
    envKey: config.envKey,
    value: text === undefined ? undefined : envValue(text, config.envKey),
    envFile: config.envFile,
    composeFile: config.composeFile ?? "docker-compose.yml",
    composeDir: config.composeDir ?? ".",
  });
}
