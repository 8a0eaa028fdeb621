/**
 * --on-change and --on-failure: a command run after a delivered change or a
 * failed pass, with the event as JSON on standard input. No shell: the
 * command is split into words like a shell would (quotes, backslashes), so
 * a compiled binary needs only that one program in --allow-run.
 */
import {
  deliveryFailed,
  messageOf,
  SyncError,
  usageError,
} from "../lib/errors.ts";
import { redact } from "../lib/fingerprint.ts";
import type { Logger } from "../lib/log.ts";
import { type Runner, tail } from "../lib/process.ts";
import { formatDuration } from "../lib/time.ts";

/** What a hook hears: the event, its kind, token fingerprints and time left; never a token. */
export interface HookEvent {
  event: "change" | "failure";
  kind: string;
  /** The target the event is about (absent for a configuration without target files). */
  target?: string;
  time: string;
  mode?: string;
  token?: string;
  previous?: string;
  refreshToken?: string;
  expiresAt?: string;
  secondsLeft?: number;
  sinks?: { sink: string; path: string }[];
  error?: string;
}

/** Splits a command line into words: whitespace separates, '…' and "…" quote, a backslash escapes. */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && /["\\$`]/.test(line[i + 1])) {
        word += line[++i];
      } else word += c;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (c === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else word = (word ?? "") + c;
  }
  if (quote) throw usageError(`unterminated ${quote} in hook "${line}"`);
  if (word !== undefined) words.push(word);
  if (words.length === 0) throw usageError("empty hook command");
  return words;
}

/**
 * Why a hook could not start, and how to fix it: a program that Deno's
 * --allow-run does not list is allowed through SOT_ALLOW_RUN, read by
 * `deno task start` when it starts and by `deno task compile` (and install.sh)
 * when they build.
 */
function cannotStart(flag: string, command: string, err: unknown): SyncError {
  let program = command;
  try {
    program = splitCommand(command)[0];
  } catch { /* the whole command is named */ }
  if (err instanceof Deno.errors.NotCapable) {
    return usageError(
      `${flag}: ${program} may not run: the tool's permissions (--allow-run) list docker, docker-compose and openclaw; allow it with SOT_ALLOW_RUN=${program} in the environment of \`deno task start\`, or when building with \`deno task compile\` or install.sh`,
    );
  }
  return deliveryFailed(
    `${flag}: ${program} could not start: ${messageOf(err)}`,
  );
}

/** The configured hook commands and their time limit. */
export interface HookSettings {
  onChange?: string;
  onFailure?: string;
  hookTimeout: number;
}

/** Runs hooks one at a time per event; while one runs, only the newest pending event is kept. */
export class Hooks {
  #running = new Map<string, Promise<void>>();
  #pending = new Map<string, HookEvent>();
  #startFailures: SyncError[] = [];

  constructor(
    private readonly settings: HookSettings,
    private readonly run: Runner,
    private readonly log: Logger,
  ) {}

  /** Starts the hook of this event (if one is configured) without waiting for it. */
  emit(event: HookEvent): void {
    const command = event.event === "change"
      ? this.settings.onChange
      : this.settings.onFailure;
    if (!command) return;
    const key = event.event;
    if (this.#running.has(key)) {
      this.#pending.set(key, event);
      return;
    }
    const job = this.#runOne(command, event).finally(() => {
      this.#running.delete(key);
      const next = this.#pending.get(key);
      this.#pending.delete(key);
      if (next) this.emit(next);
    });
    this.#running.set(key, job);
  }

  /** Resolves when no hook runs or waits. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) {
      await Promise.all(this.#running.values());
    }
  }

  /** The hooks that could not start since the last call (a pass with one fails). */
  takeStartFailures(): SyncError[] {
    return this.#startFailures.splice(0);
  }

  async #runOne(command: string, event: HookEvent): Promise<void> {
    const flag = event.event === "change" ? "--on-change" : "--on-failure";
    const where = { hook: flag, kind: event.kind };
    try {
      const result = await this.run(splitCommand(command), {
        timeoutMs: this.settings.hookTimeout,
        stdin: redact(JSON.stringify(event)) + "\n",
      });
      if (result.timedOut) {
        this.log.warn(
          `hook killed after ${formatDuration(this.settings.hookTimeout)}`,
          where,
        );
      } else if (result.code !== 0) {
        this.log.warn(
          `hook exited ${result.code}: ${redact(tail(result.stderr, 3))}`,
          where,
        );
      } else {
        this.log.debug("hook ran", where);
      }
    } catch (err) {
      const error = cannotStart(flag, command, err);
      this.#startFailures.push(error);
      this.log.error(error.message, where);
    }
  }
}
