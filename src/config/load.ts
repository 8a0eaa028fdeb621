/** Reading the configuration from disk: the config file and the target files beside it. */
import { join } from "../lib/path.ts";
import { messageOf, usageError } from "../lib/errors.ts";
import { readTextIfExists } from "../lib/files.ts";
import {
  configFilePath,
  resolveSettings,
  type Settings,
  targetsDir,
  type TextFile,
} from "./settings.ts";

/** Reads a config file; undefined when it is absent. */
async function readConfigFile(path: string): Promise<string | undefined> {
  return await readTextIfExists(path).catch((err) => {
    throw usageError(`cannot read config file ${path}: ${messageOf(err)}`);
  });
}

/** The target files (`NAME.env`) of a targets.d directory, by name; none when it does not exist. */
async function readTargetFiles(dir: string): Promise<TextFile[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.endsWith(".env") && !entry.name.startsWith(".")) {
        names.push(entry.name);
      }
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw usageError(`cannot read ${dir}: ${messageOf(err)}`);
  }
  return await Promise.all(
    names.sort().map(async (name) => {
      const path = join(dir, name);
      return { path, text: (await readConfigFile(path)) ?? "" };
    }),
  );
}

/** Reads the config file (if any) and its target files, and resolves the settings from every source. */
export async function loadSettings(
  flags: Record<string, string | boolean>,
  env: Record<string, string | undefined>,
): Promise<Settings> {
  const { path, required } = configFilePath(flags, env);
  const text = await readConfigFile(path);
  if (text === undefined && required) {
    throw usageError(`config file ${path} does not exist`);
  }
  return resolveSettings({
    flags,
    env,
    file: text === undefined ? undefined : { path, text },
    targetFiles: await readTargetFiles(targetsDir(path)),
  });
}
