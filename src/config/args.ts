/** The command line: a command, its flags with their values, and the meta flags. */
import { usageError } from "../lib/errors.ts";
import { type Command, COMMANDS, SPECS } from "./options.ts";

/** The command line, split into a command, option values and the meta flags. */
export interface CommandLine {
  command: Command;
  options: Record<string, string | boolean>;
  help: boolean;
  version: boolean;
}

/** How many single-character edits turn a into b. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        row[j] + 1,
        next[j - 1] + 1,
        row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length];
}

/** The known word closest to a mistyped one, when it is close enough to be meant. */
export function closest(
  word: string,
  known: readonly string[],
): string | undefined {
  const best = known
    .map((k) => ({ k, d: editDistance(word, k) }))
    .sort((a, b) => a.d - b.d)[0];
  const near = best && best.d <= Math.max(1, Math.floor(word.length / 3));
  return near || best?.k.startsWith(word) ? best?.k : undefined;
}

/** The usage error of an unknown word, with a suggestion when one is close and a pointer to --help. */
function unknown(what: string, word: string, known: readonly string[]) {
  const near = closest(word.replace(/^--/, ""), known);
  const hint = near
    ? `did you mean ${what === "option" ? `--${near}` : near}? `
    : "";
  return usageError(
    `unknown ${what} ${word}; ${hint}see sync-oauth-token --help`,
  );
}

/**
 * Splits argv into the command and its options; an unknown option or command,
 * a missing value, or an option the command does not take is a usage error.
 */
export function parseCommandLine(args: string[]): CommandLine {
  const line: CommandLine = {
    command: "watch",
    options: {},
    help: false,
    version: false,
  };
  let commandSeen = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-h" || arg === "--help" || arg === "help") {
      line.help = true;
      continue;
    }
    if (arg === "--version" || arg === "-V") {
      line.version = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      if (commandSeen) {
        throw usageError(
          `unexpected argument "${arg}" after the command ${line.command}; see sync-oauth-token --help`,
        );
      }
      if (!COMMANDS.includes(arg as Command)) {
        throw unknown("command", arg, COMMANDS);
      }
      line.command = arg as Command;
      commandSeen = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const spec = SPECS[flag];
    if (!spec) throw unknown("option", `--${flag}`, Object.keys(SPECS));
    if (spec.boolean) {
      if (eq >= 0) throw usageError(`--${flag} takes no value`);
      line.options[flag] = true;
    } else if (eq >= 0) {
      line.options[flag] = arg.slice(eq + 1);
    } else if (i + 1 < args.length) {
      line.options[flag] = args[++i];
    } else {
      throw usageError(`--${flag} needs a value`);
    }
  }
  if (!line.help && line.command !== "config") {
    for (const flag of Object.keys(line.options)) {
      const takes = SPECS[flag].commands;
      if (!takes.includes(line.command)) {
        const bare = !commandSeen ? " (no command given, so watch)" : "";
        throw usageError(
          `--${flag} does not apply to ${line.command}${bare}; it goes with ${
            takes.join(", ")
          }`,
        );
      }
    }
  }
  return line;
}
