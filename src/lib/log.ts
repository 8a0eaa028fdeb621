import { redact } from "./fingerprint.ts";
import { expiry } from "./time.ts";

/** Severity of a log event, lowest first. */
export type Level = "debug" | "info" | "warn" | "error";
/** How log lines are rendered. */
export type LogFormat = "text" | "json";
/**
 * Structured details of a log event. These names are stable (JSON logs and
 * hook events use them); a message may add others.
 */
export interface Fields {
  /** The location acted on: a file, a directory, a URL. */
  path?: string;
  /** The sink's name (`env`, `oauth-json`, ...). */
  sink?: string;
  /** Fingerprints of the token replaced and of the token written. */
  from?: string;
  to?: string;
  /** Fingerprint of the token concerned. */
  token?: string;
  /** When that token expires (Unix ms): JSON gives it as ISO time plus `secondsLeft`; text as time left. */
  expiresAt?: number;
  [key: string]: string | number | boolean | undefined;
}
const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A logger writing one line per event; every token is redacted to its fingerprint. */
export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

/** Options of createLogger; `write` receives each finished line; `journal` prefixes syslog priorities for journald. */
export interface LoggerOptions {
  format: LogFormat;
  level: Level;
  write?: (line: string) => void;
  now?: () => Date;
  journal?: boolean;
}

const encoder = new TextEncoder();

/** Writes a line to standard error. */
function writeStderr(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

/** The syslog priority journald reads from a `<N>` line prefix. */
const PRIORITY: Record<Level, number> = {
  debug: 7,
  info: 6,
  warn: 4,
  error: 3,
};

/** A field value for `key=value` text, quoted when it holds spaces, quotes or `=`. */
function quoted(v: string | number | boolean): string {
  const s = String(v);
  return /[\s"=]/.test(s) || s === "" ? JSON.stringify(s) : s;
}

/** The human text of an event: what happened, where, which token, and its time left. */
function humanText(msg: string, fields: Fields, time: Date): string {
  const { path, sink, from, to, token, expiresAt, ...rest } = fields;
  let text = msg;
  if (path !== undefined) text += ` ${path}`;
  if (sink !== undefined) text += ` (${sink})`;
  if (from !== undefined || to !== undefined) {
    text += `: ${from ?? "?"} → ${to ?? "?"}`;
  }
  if (token !== undefined) text += ` ${token}`;
  for (const [k, v] of Object.entries(rest)) {
    if (v !== undefined) text += ` ${k}=${quoted(v)}`;
  }
  if (expiresAt !== undefined) {
    text += `, ${expiry(expiresAt, time.getTime())}`;
  }
  return text;
}

/** One rendered log line, tokens redacted; `journal` puts the syslog priority first instead of the level name. */
export function formatLine(
  format: LogFormat,
  time: Date,
  level: Level,
  msg: string,
  fields: Fields,
  journal = false,
): string {
  if (format === "json") {
    const { expiresAt, ...rest } = fields;
    return redact(JSON.stringify({
      time: time.toISOString(),
      level,
      msg,
      ...rest,
      ...(expiresAt === undefined ? {} : {
        expiresAt: new Date(expiresAt).toISOString(),
        secondsLeft: Math.floor((expiresAt - time.getTime()) / 1000),
      }),
    }));
  }
  const head = journal
    ? `<${PRIORITY[level]}>`
    : `${level.toUpperCase().padEnd(5)} `;
  return redact(head + humanText(msg, fields, time));
}

/** Whether standard error is connected to journald (JOURNAL_STREAM names its device and inode). */
export function stderrIsJournal(stream: string | undefined): boolean {
  if (!stream) return false;
  try {
    const info = Deno.statSync("/proc/self/fd/2");
    return stream === `${info.dev}:${info.ino}`;
  } catch {
    return false;
  }
}

/** A logger for the given format and minimum level. */
export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? writeStderr;
  const now = options.now ?? (() => new Date());
  const emit = (level: Level) => (msg: string, fields: Fields = {}) => {
    if (RANK[level] < RANK[options.level]) return;
    write(
      formatLine(options.format, now(), level, msg, fields, options.journal),
    );
  };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
  };
}
