/**
 * The effective configuration: flags over SYNC_OAUTH_TOKEN_* environment
 * variables over the config file, validated, split into the global settings
 * and one settings block per target, each value remembering where it came
 * from. Pure: the caller reads the files (src/config/load.ts).
 */
import { dirname, join } from "../lib/path.ts";
import * as z from "../lib/zod/zod.js";
import { parseDotenv } from "../lib/dotenv.ts";
import { usageError } from "../lib/errors.ts";
import { camel, envName, type Scope, SPECS, type ValuesOf } from "./options.ts";

/** The settings of the agent as a whole: the source, refresh, watch, logging, state. */
export type GlobalSettings = ValuesOf<"global"> & { stateFile: string };

/** The settings of one consumer of the login: where the token goes and how its gateway hears of it. */
export type TargetSettings = ValuesOf<"target"> & { name: string };

/** Where each value came from (`--env-file`, `SYNC_OAUTH_TOKEN_X in /etc/…`, `default`, `found: …`), by camelCase key. */
export type Origins = Record<string, string>;

/** A target and where each of its values came from. */
export interface Target {
  settings: TargetSettings;
  origins: Origins;
  /** The file that defines it, or undefined for the main configuration's own target. */
  file?: string;
  /** Where a native OpenClaw was looked for, in vain, when the target names nowhere to deliver. */
  looked?: string[];
}

/** The whole effective configuration. */
export interface Settings {
  global: GlobalSettings;
  globalOrigins: Origins;
  targets: Target[];
}

/** A file of KEY=value lines. */
export interface TextFile {
  path: string;
  text: string;
}

/** The inputs: flags, the environment, the config file and the target files (if any). */
export interface ConfigSources {
  flags: Record<string, string | boolean>;
  env: Record<string, string | undefined>;
  file?: TextFile;
  targetFiles?: TextFile[];
}

/** The name of the one target a configuration without target files has. */
export const MAIN_TARGET = "default";

/** Target settings that say where the token goes: only a target file may set them once target files exist. */
const DESTINATIONS = [
  "env-file",
  "oauth-json",
  "openclaw-state",
  "openclaw-cli",
  "compose-dir",
  "compose-file",
  "compose-project",
];

/** The default credentials path, as Claude Code resolves it. */
export function defaultCredentialsPath(
  env: Record<string, string | undefined>,
): string {
  const dir = env.CLAUDE_SECURESTORAGE_CONFIG_DIR || env.CLAUDE_CONFIG_DIR ||
    join(env.HOME ?? "/root", ".claude");
  return join(dir, ".credentials.json");
}

/** The default state file: systemd's StateDirectory, else the XDG state directory. */
export function defaultStatePath(
  env: Record<string, string | undefined>,
): string {
  const dir = env.STATE_DIRECTORY?.split(":")[0] ||
    join(
      env.XDG_STATE_HOME || join(env.HOME ?? "/root", ".local", "state"),
      "sync-oauth-token",
    );
  return join(dir, "state.json");
}

/** Where versions before 0.2 kept the state: beside the credentials, in Claude Code's directory. Read once, then left behind. */
export function legacyStatePath(credentials: string): string {
  return join(dirname(credentials), ".sync-oauth-token-state.json");
}

/** A target's name from its file name (`targets.d/NAME.env`). */
export function targetName(path: string): string {
  return path.replace(/^.*\//, "").replace(/\.env$/, "");
}

/** The flags of a scope. */
function flagsOf(scope: Scope): string[] {
  return Object.keys(SPECS).filter((f) => SPECS[f].scope === scope);
}

/** The flag a config-file key names, or undefined. */
function flagOfKey(key: string): string | undefined {
  return Object.keys(SPECS).find((f) => envName(f) === key);
}

/** Raw values and their origins, layered: later layers win. */
class Layers {
  readonly raw: Record<string, unknown> = {};
  readonly origins: Origins = {};

  set(flag: string, value: unknown, from: string): void {
    this.raw[camel(flag)] = value;
    this.origins[camel(flag)] = from;
  }

  /** Adds a config file's keys among `flags`; an unknown key is an error, and so is a global key in a target file. */
  addFile(file: TextFile, kind: "main" | "target", flags: string[]): void {
    for (const [key, value] of Object.entries(parseDotenv(file.text))) {
      const flag = flagOfKey(key);
      if (!flag) {
        throw usageError(`${file.path}: unknown key ${key}`);
      }
      if (!flags.includes(flag)) {
        if (kind === "target" && SPECS[flag].scope === "global") {
          throw usageError(
            `${file.path}: ${key} is a global setting; set it in the main config file`,
          );
        }
        continue;
      }
      this.set(flag, value, `${key} in ${file.path}`);
    }
  }

  addEnv(env: ConfigSources["env"], flags: string[]): void {
    for (const flag of flags) {
      const value = env[envName(flag)];
      if (value !== undefined) this.set(flag, value, envName(flag));
    }
  }

  addFlags(given: ConfigSources["flags"], flags: string[]): void {
    for (const [flag, value] of Object.entries(given)) {
      if (flags.includes(flag)) this.set(flag, value, `--${flag}`);
    }
  }

  /** Validates the values of these flags; the first problem is a usage error naming where the value came from. */
  parse(flags: string[]): Record<string, unknown> {
    const shape = Object.fromEntries(
      flags.map((f) => [camel(f), SPECS[f].schema]),
    );
    const parsed = z.object(shape).safeParse(this.raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const key = String(issue.path[0]);
      throw usageError(`${this.origins[key] ?? key}: ${issue.message}`);
    }
    for (const f of flags) this.origins[camel(f)] ??= "default";
    return parsed.data;
  }
}

/** Settings of a target, with the compose directory defaulting to the .env file's. */
function finishTarget(
  name: string,
  values: Record<string, unknown>,
  origins: Origins,
): TargetSettings {
  const settings = { ...values, name } as TargetSettings;
  if (!settings.composeDir && settings.envFile) {
    settings.composeDir = dirname(settings.envFile);
    origins.composeDir = `the directory of ${settings.envFile}`;
  }
  return settings;
}

/** Merges the sources and validates them; any problem is a usage error that names the key and where it came from. */
export function resolveSettings(sources: ConfigSources): Settings {
  const globalFlags = flagsOf("global");
  const targetFlags = flagsOf("target");
  const g = new Layers();
  if (sources.file) g.addFile(sources.file, "main", globalFlags);
  g.addEnv(sources.env, globalFlags);
  g.addFlags(sources.flags, globalFlags);
  g.raw.credentials ??= defaultCredentialsPath(sources.env);
  g.origins.credentials ??= "default";
  const global = g.parse(globalFlags) as GlobalSettings;
  if (!global.stateFile) {
    global.stateFile = defaultStatePath(sources.env);
    g.origins.stateFile = "default";
  }
  // The main configuration's target settings: the one target, or what every target file inherits.
  const main = new Layers();
  if (sources.file) main.addFile(sources.file, "main", targetFlags);
  main.addEnv(sources.env, targetFlags);
  main.addFlags(sources.flags, targetFlags);
  const files = sources.targetFiles ?? [];
  let targets: Target[];
  if (files.length === 0) {
    const values = main.parse(targetFlags);
    targets = [{
      settings: finishTarget(MAIN_TARGET, values, main.origins),
      origins: main.origins,
    }];
  } else {
    const clash = DESTINATIONS.find((f) => camel(f) in main.raw);
    if (clash) {
      throw usageError(
        `${
          main.origins[camel(clash)]
        }: where the token goes is set per target once ${
          dirname(files[0].path)
        } holds target files; move it into one of them`,
      );
    }
    targets = files.map((file) => {
      const name = targetName(file.path);
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
        throw usageError(
          `${file.path}: a target's name (its file name) may hold letters, digits, '.', '_' and '-'`,
        );
      }
      const t = new Layers();
      Object.assign(t.raw, main.raw);
      Object.assign(t.origins, main.origins);
      t.addFile(file, "target", targetFlags);
      const values = t.parse(targetFlags);
      return {
        settings: finishTarget(name, values, t.origins),
        origins: t.origins,
        file: file.path,
      };
    });
  }
  if (global.target !== undefined) {
    const chosen = targets.filter((t) => t.settings.name === global.target);
    if (chosen.length === 0) {
      throw usageError(
        `${g.origins.target}: no target named ${global.target} (targets: ${
          targets.map((t) => t.settings.name).join(", ")
        })`,
      );
    }
    targets = chosen;
  }
  return { global, globalOrigins: g.origins, targets };
}

/** The config file to read: --config, SYNC_OAUTH_TOKEN_CONFIG, or the default when it exists. */
export function configFilePath(
  flags: Record<string, string | boolean>,
  env: Record<string, string | undefined>,
): { path: string; required: boolean } {
  const given = flags.config ?? env[envName("config")];
  return typeof given === "string" && given !== ""
    ? { path: given, required: true }
    : { path: "/etc/sync-oauth-token/config.env", required: false };
}

/** The drop-in directory of target files beside a config file. */
export function targetsDir(configPath: string): string {
  return join(dirname(configPath), "targets.d");
}
