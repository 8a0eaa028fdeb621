/** The outcome of a finished command. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Options of one command run: working directory, time limit, standard input. */
export interface RunOptions {
  cwd?: string;
  timeoutMs: number;
  stdin?: string;
}

/** Runs a command to completion; injectable so the core is tested without processes. */
export type Runner = (
  argv: string[],
  options: RunOptions,
) => Promise<RunResult>;

/** Grace period between SIGTERM and SIGKILL when a command runs out of time. */
const KILL_GRACE_MS = 2_000;

/**
 * Runs a real process with Deno.Command in its own process group, so a
 * timeout ends the whole group (SIGTERM, then SIGKILL); a missing program
 * reads as exit code 127.
 */
export const runProcess: Runner = async (argv, options) => {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: options.cwd,
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      return {
        code: 127,
        stdout: "",
        stderr: `${argv[0]}: not found`,
        timedOut: false,
      };
    }
    throw err;
  }
  const killGroup = (signal: Deno.Signal) => {
    try {
      Deno.kill(-child.pid, signal);
    } catch { /* already gone */ }
  };
  let timedOut = false;
  let kill: ReturnType<typeof setTimeout> | undefined;
  const term = setTimeout(() => {
    timedOut = true;
    killGroup("SIGTERM");
    kill = setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS);
  }, options.timeoutMs);
  try {
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin)).catch(
        () => {},
      );
      await writer.close().catch(() => {});
    }
    const out = await child.output();
    const decoder = new TextDecoder();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
      timedOut,
    };
  } finally {
    clearTimeout(term);
    clearTimeout(kill);
  }
};

/** The last lines of a command's error output, for an error message. */
export function tail(text: string, lines = 5): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
