import { redact } from "./fingerprint.ts";

/** Severity of a log event, lowest first. */
export type Level = "debug" | "info" | "warn" | "error";
/** How log lines are rendered. */
export type LogFormat = "text" | "json";
/** Structured details of a log event. */
export type Fields = Record<string, string | number | boolean | undefined>;

const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A logger writing one line per event; every token is redacted to its fingerprint. */
export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

/** Options of createLogger; `write` receives each finished line. */
export interface LoggerOptions {
  format: LogFormat;
  level: Level;
  write?: (line: string) => void;
  now?: () => Date;
}

const encoder = new TextEncoder();

/** Writes a line to standard error. */
function writeStderr(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

/** One rendered log line, tokens redacted. */
export function formatLine(
  format: LogFormat,
  time: Date,
  level: Level,
  msg: string,
  fields: Fields,
): string {
  const defined = Object.entries(fields).filter(([, v]) => v !== undefined);
  if (format === "json") {
    return redact(JSON.stringify({
      time: time.toISOString(),
      level,
      msg,
      ...Object.fromEntries(defined),
    }));
  }
  const tail = defined.map(([k, v]) => {
    const s = String(v);
    return ` ${k}=${/[\s"=]/.test(s) || s === "" ? JSON.stringify(s) : s}`;
  }).join("");
  return redact(`${level.toUpperCase().padEnd(5)} ${msg}${tail}`);
}

/** A logger for the given format and minimum level. */
export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? writeStderr;
  const now = options.now ?? (() => new Date());
  const emit = (level: Level) => (msg: string, fields: Fields = {}) => {
    if (RANK[level] < RANK[options.level]) return;
    write(formatLine(options.format, now(), level, msg, fields));
  };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
  };
}
