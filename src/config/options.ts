/**
 * Every option of the tool, in one table: its flag (the environment variable
 * and config-file key is SYNC_OAUTH_TOKEN_<FLAG>), what it is for, where it
 * applies, and the zod schema that turns the text a person wrote into a value.
 * Global options describe the source and how the agent runs; target options
 * describe one consumer of the login (a drop-in file may set them per target).
 */
import * as z from "../lib/zod/zod.js";
import { formatDuration, parseDuration } from "../lib/time.ts";

/** The commands of the tool; `watch` is the default. */
export const COMMANDS = [
  "watch",
  "status",
  "config",
  "refresh",
  "doctor",
] as const;
/** One command name. */
export type Command = typeof COMMANDS[number];

/** Where an option belongs: to the agent as a whole, or to one target. */
export type Scope = "global" | "target";

/** The groups of `--help`, in the order shown. */
export const GROUPS = {
  source: "The login",
  delivery: "Where the token goes (per target)",
  openclaw: "OpenClaw (per target)",
  watch: "Watch mode",
  refresh: "Refreshing the login",
  run: "Running",
  operations: "Operations",
} as const;

/** One option: its help group, scope, the commands that take it as a flag, its help text and schema. */
export interface OptionSpec {
  group: keyof typeof GROUPS;
  scope: Scope;
  help: string;
  /** The commands that take it on the command line (`config` takes every option). */
  commands: readonly Command[];
  schema: z.Schema;
  /** A flag without a value. */
  boolean?: boolean;
  /** A secret: `config` shows only whether it is set. */
  secret?: boolean;
  /** The default as `--help` and `config` show it, when it is not a plain value of the schema. */
  shownDefault?: string;
  /** How a value reads back as config-file text (durations in their human form). */
  show?: (value: unknown) => string;
}

/** Text (or a bare flag's true) turned into a value by `convert`; undefined from it fails with `message`. */
function converted<I, O>(
  input: z.Schema<I>,
  convert: (value: I) => O | undefined,
  message: string,
) {
  return z.pipe(
    input,
    z.transform((value: I, ctx) => {
      const out = convert(value);
      if (out !== undefined) return out;
      ctx.issues.push({ code: "custom", input: value, message });
      return z.NEVER;
    }),
  );
}

/** A duration such as 500ms, 30s, 5m, 6h or 1h30m, in milliseconds. */
const duration = converted(
  z.string(),
  parseDuration,
  "expected a duration such as 500ms, 30s, 5m or 6h",
);

/** true/false, yes/no, on/off, 1/0 (a bare flag is true). */
const onOff = converted(z.union([z.boolean(), z.string()]), (v) => {
  if (typeof v === "boolean") return v;
  const s = v.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(s)) return true;
  if (["0", "false", "no", "off", ""].includes(s)) return false;
  return undefined;
}, "expected true or false");

const path = z.string().check(z.minLength(1, "expected a path"));
const nonEmpty = z.string().check(
  z.trim(),
  z.minLength(1, "expected a value"),
);

/** A URL with one of the given protocols (e.g. `https:`). */
function url(protocols: string[]) {
  return z.string().check(
    z.trim(),
    z.refine((s: string) => {
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    }, `expected a ${protocols.join(" or ").replaceAll(":", "")} URL`),
  );
}

/** One of the given words. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.join(", ")}` });
}

/** An address to listen on. */
export interface ListenAddress {
  hostname: string;
  port: number;
}

/** Parses `PORT`, `HOST:PORT` or `[V6]:PORT`; the host defaults to 127.0.0.1. Undefined when invalid. */
export function parseListen(text: string): ListenAddress | undefined {
  const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:\s\[\]]+)):)?(\d{1,5})$/.exec(
    text.trim(),
  );
  if (!m || Number(m[3]) > 65535) return undefined;
  return { hostname: m[1] ?? m[2] ?? "127.0.0.1", port: Number(m[3]) };
}

const listen = converted(
  z.string(),
  parseListen,
  "expected PORT, HOST:PORT or [IPV6]:PORT",
);

const showDuration = (v: unknown) => formatDuration(v as number);
const showListen = (v: unknown) => {
  const { hostname, port } = v as ListenAddress;
  return hostname.includes(":")
    ? `[${hostname}]:${port}`
    : `${hostname}:${port}`;
};

const ALL = COMMANDS;
const DELIVER = ["watch", "refresh"] as const;
/** Commands that read the targets' settings. */
const TARGETED = ["watch", "refresh", "status", "doctor"] as const;

/** Every option, by flag name. */
export const OPTIONS = {
  // The login
  "credentials": {
    group: "source",
    scope: "global",
    help: "Claude Code's credentials file",
    commands: ALL,
    schema: path,
    shownDefault:
      "$CLAUDE_CONFIG_DIR/.credentials.json, else ~/.claude/.credentials.json",
  },
  // Where the token goes
  "env-file": {
    group: "delivery",
    scope: "target",
    help: "compose .env file to keep the access token in",
    commands: TARGETED,
    schema: z.optional(path),
  },
  "env-key": {
    group: "delivery",
    scope: "target",
    help: "variable of the .env file that holds the token",
    commands: TARGETED,
    schema: z._default(
      z.string().check(
        z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected a variable name"),
      ),
      "ANTHROPIC_OAUTH_TOKEN",
    ),
  },
  "create": {
    group: "delivery",
    scope: "target",
    help: "create the .env file when it does not exist",
    commands: DELIVER,
    schema: z._default(onOff, false),
    boolean: true,
  },
  "oauth-json": {
    group: "delivery",
    scope: "target",
    help: "legacy OpenClaw oauth.json to keep in step (older releases only)",
    commands: TARGETED,
    schema: z.optional(path),
  },
  "compose-dir": {
    group: "delivery",
    scope: "target",
    help: "directory to run docker compose in",
    commands: TARGETED,
    schema: z.optional(path),
    shownDefault: "the .env file's directory",
  },
  "compose-file": {
    group: "delivery",
    scope: "target",
    help: "compose file, passed as -f",
    commands: TARGETED,
    schema: z.optional(path),
  },
  "compose-project": {
    group: "delivery",
    scope: "target",
    help: "compose project name, passed as -p",
    commands: TARGETED,
    schema: z.optional(nonEmpty),
  },
  "service": {
    group: "delivery",
    scope: "target",
    help: "compose service of the gateway",
    commands: TARGETED,
    schema: z._default(nonEmpty, "openclaw-gateway"),
  },
  "restart": {
    group: "delivery",
    scope: "target",
    help:
      "how the gateway re-reads .env: recreate (its container) | down-up (the whole stack) | none",
    commands: TARGETED,
    schema: z._default(oneOf(["recreate", "down-up", "none"]), "recreate"),
  },
  "compose-timeout": {
    group: "delivery",
    scope: "target",
    help: "time limit of one docker compose or OpenClaw CLI command",
    commands: TARGETED,
    schema: z._default(duration, 120_000),
    show: showDuration,
  },
  // OpenClaw
  "openclaw": {
    group: "openclaw",
    scope: "target",
    help:
      "how the token reaches OpenClaw: auto (find out: the store it keeps, else its CLI) | cli (its store: directly when the gateway can be made to reload, else models auth paste-token) | auth-profiles (older releases' auth-profiles.json) | legacy (oauth.json + .env + recreate) | env-only (.env + recreate)",
    commands: TARGETED,
    schema: z._default(
      oneOf(["auto", "cli", "auth-profiles", "legacy", "env-only"]),
      "auto",
    ),
  },
  "openclaw-cli": {
    group: "openclaw",
    scope: "target",
    help: "command that runs the gateway's OpenClaw CLI, split on blanks",
    commands: TARGETED,
    schema: z.optional(nonEmpty),
    shownDefault: "found: in the gateway's container, or openclaw on PATH",
  },
  "openclaw-state": {
    group: "openclaw",
    scope: "target",
    help:
      "OpenClaw's state directory on this host (current releases get the token into its store directly, older ones into auth-profiles.json)",
    commands: TARGETED,
    schema: z.optional(path),
    shownDefault:
      "found: OPENCLAW_CONFIG_DIR of the .env, the gateway's mount, or ~/.openclaw",
  },
  "openclaw-gateway": {
    group: "openclaw",
    scope: "target",
    help:
      "the gateway's WebSocket URL, to have it reload and confirm the token",
    commands: TARGETED,
    schema: z.optional(url(["ws:", "wss:"])),
    shownDefault:
      "found: inside the gateway's container, or ws://127.0.0.1:<gateway.port>",
  },
  "openclaw-gateway-token": {
    group: "openclaw",
    scope: "target",
    help: "the gateway's shared token, to have it reload and confirm the token",
    commands: TARGETED,
    schema: z.optional(nonEmpty),
    secret: true,
    shownDefault:
      "found: openclaw.json, else OPENCLAW_GATEWAY_TOKEN of the environment, the container or the .env",
  },
  // Watch mode
  "settle": {
    group: "watch",
    scope: "global",
    help: "quiet period before the gateway is recreated after a change",
    commands: ["watch"],
    schema: z._default(duration, 1_000),
    show: showDuration,
  },
  "poll": {
    group: "watch",
    scope: "global",
    help: "poll the credentials file instead of watching it",
    commands: ["watch", "doctor"],
    schema: z._default(onOff, false),
    boolean: true,
  },
  "poll-interval": {
    group: "watch",
    scope: "global",
    help: "how often to poll when watching is not possible or --poll is set",
    commands: ["watch", "doctor"],
    schema: z._default(duration, 5_000),
    show: showDuration,
  },
  // Refreshing the login
  "refresh-before": {
    group: "refresh",
    scope: "global",
    help:
      "refresh when the access token expires within this time (watch mode and refresh); a token delivered this close to expiry is a warning",
    commands: ["watch", "refresh", "status", "doctor"],
    schema: z._default(duration, 3600_000),
    show: showDuration,
  },
  "interval": {
    group: "refresh",
    scope: "global",
    help: "refresh timer: time between passes (plus up to 10 % jitter)",
    commands: ["refresh"],
    schema: z._default(duration, 6 * 3600_000),
    show: showDuration,
  },
  "force": {
    group: "refresh",
    scope: "global",
    help: "refresh now, whatever the expiry",
    commands: ["refresh"],
    schema: z._default(onOff, false),
    boolean: true,
  },
  "token-url": {
    group: "refresh",
    scope: "global",
    help: "OAuth token endpoint",
    commands: ["watch", "refresh", "doctor"],
    schema: z._default(
      url(["https:", "http:"]),
      "https://platform.claude.com/v1/oauth/token",
    ),
  },
  "token-url-fallback": {
    group: "refresh",
    scope: "global",
    help: "token endpoint tried when the first answers 404",
    commands: ["watch", "refresh", "doctor"],
    schema: z._default(
      url(["https:", "http:"]),
      "https://console.anthropic.com/v1/oauth/token",
    ),
  },
  "client-id": {
    group: "refresh",
    scope: "global",
    help: "OAuth client id (a clientId stored in the credentials wins)",
    commands: ["watch", "refresh"],
    schema: z._default(nonEmpty, "9d1c250a-e61b-44d9-88ed-5944d1962f5e"),
  },
  "user-agent": {
    group: "refresh",
    scope: "global",
    help: "User-Agent of token requests",
    commands: ["watch", "refresh"],
    schema: z._default(nonEmpty, "axios/1.8.4"),
  },
  // Running
  "config": {
    group: "run",
    scope: "global",
    help:
      "config file in KEY=value form; target files sit in targets.d/ beside it",
    commands: ALL,
    schema: z.optional(path),
    shownDefault: "/etc/sync-oauth-token/config.env, when it exists",
  },
  "target": {
    group: "run",
    scope: "global",
    help: "limit the command to one target (a targets.d/NAME.env)",
    commands: ALL,
    schema: z.optional(nonEmpty),
    shownDefault: "every target",
  },
  "once": {
    group: "run",
    scope: "global",
    help: "one pass, then exit",
    commands: DELIVER,
    schema: z._default(onOff, false),
    boolean: true,
  },
  "dry-run": {
    group: "run",
    scope: "global",
    help:
      "say what would change and touch nothing (without --once: keeps following changes)",
    commands: DELIVER,
    schema: z._default(onOff, false),
    boolean: true,
  },
  "json": {
    group: "run",
    scope: "global",
    help: "print JSON",
    commands: ["status", "config", "doctor"],
    schema: z._default(onOff, false),
    boolean: true,
  },
  "state-file": {
    group: "run",
    scope: "global",
    help: "where passes record their outcome for status, doctor and /healthz",
    commands: ALL,
    schema: z.optional(path),
    shownDefault:
      "$STATE_DIRECTORY, else $XDG_STATE_HOME/sync-oauth-token, else ~/.local/state/sync-oauth-token; file state.json",
  },
  // Operations
  "metrics-listen": {
    group: "operations",
    scope: "global",
    help:
      "serve Prometheus /metrics and /healthz on [HOST:]PORT (host 127.0.0.1 unless given; watch and timer mode)",
    commands: ["watch", "refresh", "doctor"],
    schema: z.optional(listen),
    show: showListen,
  },
  "on-change": {
    group: "operations",
    scope: "target",
    help:
      "command run after a delivered change, the event as JSON on stdin (no shell)",
    commands: ["watch", "refresh", "doctor"],
    schema: z.optional(nonEmpty),
  },
  "on-failure": {
    group: "operations",
    scope: "target",
    help:
      "command run after a failed pass, the event as JSON on stdin (no shell)",
    commands: ["watch", "refresh", "doctor"],
    schema: z.optional(nonEmpty),
  },
  "hook-timeout": {
    group: "operations",
    scope: "target",
    help: "time limit of one hook; a hook still running is killed",
    commands: ["watch", "refresh", "doctor"],
    schema: z._default(duration, 30_000),
    show: showDuration,
  },
  "log-format": {
    group: "operations",
    scope: "global",
    help: "text | json",
    commands: ALL,
    schema: z._default(oneOf(["text", "json"]), "text"),
  },
  "log-level": {
    group: "operations",
    scope: "global",
    help: "debug | info | warn | error",
    commands: ALL,
    schema: z._default(oneOf(["debug", "info", "warn", "error"]), "info"),
  },
} as const satisfies Record<string, OptionSpec>;

/** A flag name. */
export type Flag = keyof typeof OPTIONS;

/** Every option as its spec. */
export const SPECS: Record<string, OptionSpec> = OPTIONS;

type CamelCase<S extends string> = S extends `${infer H}-${infer T}`
  ? `${H}${Capitalize<CamelCase<T>>}`
  : S;

/** The flags of one scope. */
type FlagsOf<S extends Scope> = {
  [F in Flag]: (typeof OPTIONS)[F]["scope"] extends S ? F : never;
}[Flag];

/** The validated values of a scope's options, by camelCase key; durations in milliseconds. */
export type ValuesOf<S extends Scope> = {
  [F in FlagsOf<S> as CamelCase<F>]: z.output<(typeof OPTIONS)[F]["schema"]>;
};

/** The environment variable (and config file key) of a flag. */
export function envName(flag: string): string {
  return `SYNC_OAUTH_TOKEN_${flag.toUpperCase().replaceAll("-", "_")}`;
}

/** The camelCase key of a flag. */
export function camel(flag: string): string {
  return flag.replace(/-(.)/g, (_, c: string) => c.toUpperCase());
}

/** The default of an option as people read it, or undefined when it has none. */
export function shownDefault(flag: string): string | undefined {
  const spec = SPECS[flag];
  if (spec.shownDefault) return spec.shownDefault;
  const value = spec.schema.safeParse(undefined).data;
  if (value === undefined) return undefined;
  if (spec.boolean) return value ? "on" : "off";
  return spec.show ? spec.show(value) : String(value);
}
