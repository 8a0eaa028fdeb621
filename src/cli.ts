import { usageError } from "./errors.ts";

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

/** The command line, split into a command, option values and the meta flags. */
export interface CommandLine {
  command: Command;
  options: Record<string, string | boolean>;
  help: boolean;
  version: boolean;
}

/** Splits argv; `isBoolean(flag)` tells the flags that take no value (undefined for unknown flags). */
export function parseCommandLine(
  args: string[],
  isBoolean: (flag: string) => boolean | undefined,
): CommandLine {
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
      if (commandSeen || !COMMANDS.includes(arg as Command)) {
        throw usageError(
          `unexpected argument "${arg}" (commands: ${COMMANDS.join(", ")})`,
        );
      }
      line.command = arg as Command;
      commandSeen = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const boolean = isBoolean(flag);
    if (boolean === undefined) throw usageError(`unknown option --${flag}`);
    if (boolean) {
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
  return line;
}
