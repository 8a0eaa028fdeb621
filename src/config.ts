import { dirname, join } from "./paths.ts";
import type { Command } from "./cli.ts";
import { parseDotenv } from "./dotenv.ts";
import { usageError } from "./errors.ts";
import { parseListen } from "./metrics.ts";
import {
  boolean,
  type Infer,
  object,
  oneOf,
  optional,
  type Schema,
  string,
  transform,
  union,
  url,
  withDefault,
} from "./schema.ts";
import { defaultStatePath } from "./state.ts";

/** Parses a duration such as `500ms`, `90s`, `5m`, `6h`, `1d` or plain seconds into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2] ?? "s"]!;
  return Math.round(Number(m[1]) * unit);
}

const duration = transform(
  string(),
  parseDuration,
  "expected a duration such as 500ms, 30s, 5m or 6h",
);

const onOff = transform(union(boolean(), string()), (v) => {
  if (typeof v === "boolean") return v;
  const s = v.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(s)) return true;
  if (["0", "false", "no", "off", ""].includes(s)) return false;
  return undefined;
}, "expected true or false");

const path = string({ min: 1, message: "expected a path" });

const nonEmpty = string({ min: 1 });

/** One option: its flag, the commands it serves, its help text and its schema. */
interface OptionSpec {
  help: string;
  commands: readonly Command[];
  schema: Schema<unknown>;
  boolean?: boolean;
  /** A secret: `config` shows only whether it is set. */
  secret?: boolean;
}

const ALL = ["watch", "status", "config", "refresh", "doctor"] as const;
const DELIVER = ["watch", "refresh"] as const;

/** Every option, by flag name; the environment and the config file use SYNC_OAUTH_TOKEN_<FLAG>. */
export const OPTIONS = {
  "config": {
    help:
      "config file in dotenv format (default /etc/sync-oauth-token/config.env when it exists)",
    commands: ALL,
    schema: optional(path),
  },
  "credentials": {
    help:
      "Claude Code credentials file (default $CLAUDE_CONFIG_DIR/.credentials.json, else ~/.claude/.credentials.json)",
    commands: ALL,
    schema: path,
  },
  "env-file": {
    help: "compose .env file to keep the access token in",
    commands: ALL,
    schema: optional(path),
  },
  "env-key": {
    help: "variable of the .env file that holds the token",
    commands: ALL,
    schema: withDefault(
      string({
        pattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
        message: "expected a variable name",
      }),
      "ANTHROPIC_OAUTH_TOKEN",
    ),
  },
  "create": {
    help: "create the .env file when it does not exist",
    commands: DELIVER,
    schema: withDefault(onOff, false),
    boolean: true,
  },
  "oauth-json": {
    help: "legacy OpenClaw oauth.json to keep in step (older releases only)",
    commands: ALL,
    schema: optional(path),
  },
  "openclaw": {
    help:
      "how the token reaches OpenClaw: auto (ask the gateway's CLI) | cli (models auth paste-token) | auth-profiles (older releases' auth-profiles.json) | legacy (oauth.json + .env + recreate) | env-only (.env + recreate)",
    commands: ALL,
    schema: withDefault(
      oneOf(["auto", "cli", "auth-profiles", "legacy", "env-only"]),
      "auto",
    ),
  },
  "openclaw-cli": {
    help:
      "command that runs the gateway's OpenClaw CLI, split on blanks (default: docker compose exec -T <service> openclaw)",
    commands: ALL,
    schema: optional(string({ trim: true, min: 1 })),
  },
  "openclaw-state": {
    help:
      "OpenClaw's state directory on this host: current releases get the token written to state/openclaw.sqlite directly (the fast route), older ones to agents/main/agent/auth-profiles.json",
    commands: ALL,
    schema: optional(path),
  },
  "openclaw-gateway": {
    help:
      "the gateway's WebSocket URL, for the direct route (default ws://127.0.0.1:<gateway.port in openclaw.json, else 18789>)",
    commands: ALL,
    schema: optional(url(["ws:", "wss:"])),
  },
  "openclaw-gateway-token": {
    help:
      "the gateway's shared token, for the direct route (default OPENCLAW_GATEWAY_TOKEN from the environment, openclaw.json or the .env file)",
    commands: ALL,
    schema: optional(nonEmpty),
    secret: true,
  },
  "compose-dir": {
    help:
      "directory to run docker compose in (default: the .env file's directory)",
    commands: ALL,
    schema: optional(path),
  },
  "compose-file": {
    help: "compose file, passed as -f",
    commands: ALL,
    schema: optional(path),
  },
  "compose-project": {
    help: "compose project name, passed as -p",
    commands: ALL,
    schema: optional(nonEmpty),
  },
  "service": {
    help: "compose service of the gateway",
    commands: ALL,
    schema: withDefault(nonEmpty, "openclaw-gateway"),
  },
  "restart": {
    help: "how the gateway re-reads .env: recreate | down-up | none",
    commands: [...DELIVER, "doctor"],
    schema: withDefault(oneOf(["recreate", "down-up", "none"]), "recreate"),
  },
  "compose-timeout": {
    help: "time limit of one docker compose or OpenClaw CLI command",
    commands: [...DELIVER, "doctor"],
    schema: withDefault(duration, 120_000),
  },
  "once": {
    help: "run one pass, then exit",
    commands: DELIVER,
    schema: withDefault(onOff, false),
    boolean: true,
  },
  "settle": {
    help:
      "quiet period before the gateway is recreated after a change (watch mode)",
    commands: ["watch"],
    schema: withDefault(duration, 1_000),
  },
  "poll": {
    help: "poll the credentials file instead of watching it",
    commands: ["watch", "doctor"],
    schema: withDefault(onOff, false),
    boolean: true,
  },
  "poll-interval": {
    help: "how often to poll when watching is not possible or --poll is set",
    commands: ["watch"],
    schema: withDefault(duration, 5_000),
  },
  "refresh-before": {
    help: "refresh when the access token expires within this time",
    commands: ["watch", "refresh", "doctor"],
    schema: withDefault(duration, 60 * 60_000),
  },
  "force": {
    help: "refresh now, whatever the expiry",
    commands: ["refresh"],
    schema: withDefault(onOff, false),
    boolean: true,
  },
  "interval": {
    help: "timer mode: time between refresh passes (plus up to 10 % jitter)",
    commands: ["refresh"],
    schema: withDefault(duration, 6 * 3600_000),
  },
  "token-url": {
    help: "OAuth token endpoint",
    commands: ["watch", "refresh", "doctor"],
    schema: withDefault(url(), "https://platform.claude.com/v1/oauth/token"),
  },
  "token-url-fallback": {
    help: "token endpoint tried when the first answers 404",
    commands: ["watch", "refresh", "doctor"],
    schema: withDefault(url(), "https://console.anthropic.com/v1/oauth/token"),
  },
  "client-id": {
    help: "OAuth client id (a clientId stored in the credentials wins)",
    commands: ["watch", "refresh"],
    schema: withDefault(nonEmpty, "9d1c250a-e61b-44d9-88ed-5944d1962f5e"),
  },
  "user-agent": {
    help: "User-Agent of token requests",
    commands: ["watch", "refresh"],
    schema: withDefault(nonEmpty, "axios/1.8.4"),
  },
  "dry-run": {
    help: "print the plan and touch nothing",
    commands: DELIVER,
    schema: withDefault(onOff, false),
    boolean: true,
  },
  "json": {
    help: "print JSON",
    commands: ["status", "config", "doctor"],
    schema: withDefault(onOff, false),
    boolean: true,
  },
  "state-file": {
    help:
      "where passes record their outcome for status, doctor and /healthz (default: .sync-oauth-token-state.json beside the credentials file)",
    commands: ALL,
    schema: optional(path),
  },
  "metrics-listen": {
    help:
      "serve Prometheus /metrics and /healthz on [HOST:]PORT (host default 127.0.0.1; watch and timer mode)",
    commands: DELIVER,
    schema: optional(
      transform(
        string(),
        parseListen,
        "expected PORT, HOST:PORT or [IPV6]:PORT",
      ),
    ),
  },
  "on-change": {
    help:
      "command run after a delivered change, the event as JSON on stdin (no shell)",
    commands: DELIVER,
    schema: optional(nonEmpty),
  },
  "on-failure": {
    help:
      "command run after a failed pass, the event as JSON on stdin (no shell)",
    commands: DELIVER,
    schema: optional(nonEmpty),
  },
  "hook-timeout": {
    help: "time limit of one hook; a hook still running is killed",
    commands: DELIVER,
    schema: withDefault(duration, 30_000),
  },
  "log-format": {
    help: "text | json",
    commands: ALL,
    schema: withDefault(oneOf(["text", "json"]), "text"),
  },
  "log-level": {
    help: "debug | info | warn | error",
    commands: ALL,
    schema: withDefault(oneOf(["debug", "info", "warn", "error"]), "info"),
  },
} satisfies Record<string, OptionSpec>;

/** A flag name. */
export type Flag = keyof typeof OPTIONS;

type CamelCase<S extends string> = S extends `${infer H}-${infer T}`
  ? `${H}${Capitalize<CamelCase<T>>}`
  : S;

/** The effective configuration, validated; durations in milliseconds. */
export type Config = {
  [F in Flag as CamelCase<F>]: Infer<(typeof OPTIONS)[F]["schema"]>;
};

/** The environment variable (and config file key) of a flag. */
export function envName(flag: string): string {
  return `SYNC_OAUTH_TOKEN_${flag.toUpperCase().replaceAll("-", "_")}`;
}

/** The camelCase key of a flag. */
function camel(flag: string): string {
  return flag.replace(/-(.)/g, (_, c: string) => c.toUpperCase());
}

/** The configuration as `config` shows it: secrets replaced by "(set)". */
export function shownConfig(config: Config): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...config };
  for (
    const [flag, spec] of Object.entries(OPTIONS as Record<string, OptionSpec>)
  ) {
    if (spec.secret && shown[camel(flag)] !== undefined) {
      shown[camel(flag)] = "(set)";
    }
  }
  return shown;
}

/** Whether a flag takes no value; undefined for unknown flags. */
export function isBooleanFlag(flag: string): boolean | undefined {
  const spec = (OPTIONS as Record<string, OptionSpec>)[flag];
  return spec ? spec.boolean === true : undefined;
}

/** Where each value came from, to name it in errors. */
type Origin = Record<string, string>;

/** The default credentials path, as Claude Code resolves it. */
export function defaultCredentialsPath(
  env: Record<string, string | undefined>,
): string {
  const dir = env.CLAUDE_SECURESTORAGE_CONFIG_DIR || env.CLAUDE_CONFIG_DIR ||
    join(env.HOME ?? "/root", ".claude");
  return join(dir, ".credentials.json");
}

/** The inputs of resolveConfig: flags, the environment and the config file text (if any). */
export interface ConfigSources {
  flags: Record<string, string | boolean>;
  env: Record<string, string | undefined>;
  file?: { path: string; text: string };
}

/** Merges flags over environment over config file, validates, and names the key of the first error. */
export function resolveConfig(sources: ConfigSources): Config {
  const raw: Record<string, unknown> = {};
  const origin: Origin = {};
  const set = (flag: string, value: unknown, from: string) => {
    raw[camel(flag)] = value;
    origin[camel(flag)] = from;
  };
  if (sources.file) {
    const vars = parseDotenv(sources.file.text);
    for (const [key, value] of Object.entries(vars)) {
      const flag = Object.keys(OPTIONS).find((f) => envName(f) === key);
      if (!flag) {
        throw usageError(`${sources.file.path}: unknown key ${key}`);
      }
      set(flag, value, `${key} in ${sources.file.path}`);
    }
  }
  for (const flag of Object.keys(OPTIONS)) {
    const value = sources.env[envName(flag)];
    if (value !== undefined) set(flag, value, envName(flag));
  }
  for (const [flag, value] of Object.entries(sources.flags)) {
    set(flag, value, `--${flag}`);
  }
  raw.credentials ??= defaultCredentialsPath(sources.env);
  const shape = Object.fromEntries(
    Object.entries(OPTIONS).map(([f, spec]) => [camel(f), spec.schema]),
  );
  const parsed = object(shape).check(raw);
  if (!parsed.ok) {
    const key = String(parsed.path[0]);
    throw usageError(`${origin[key] ?? key}: ${parsed.message}`);
  }
  const config = parsed.value as Config;
  config.stateFile ??= defaultStatePath(config.credentials);
  if (!config.composeDir && config.envFile) {
    config.composeDir = dirname(config.envFile);
  }
  if (config.openclaw === "auth-profiles" && !config.openclawState) {
    throw usageError(
      `${origin.openclaw}: auth-profiles needs --openclaw-state, OpenClaw's state directory`,
    );
  }
  return config;
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

/** Help text for a command: its options with their environment names. */
export function helpText(command: Command): string {
  const lines = Object.entries(OPTIONS as Record<string, OptionSpec>)
    .filter(([, spec]) => spec.commands.includes(command))
    .map(([flag, spec]) =>
      `  --${flag}${spec.boolean ? "" : " VALUE"}\n      ${spec.help} [${
        envName(flag)
      }]`
    );
  return lines.join("\n");
}
