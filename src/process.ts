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

/** Runs a real process with Deno.Command; a missing program reads as exit code 127. */
export const runProcess: Runner = async (argv, options) => {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: options.cwd,
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      signal,
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
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin)).catch(() => {});
    await writer.close().catch(() => {});
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
    timedOut: signal.aborted,
  };
};

/** The last lines of a command's error output, for an error message. */
export function tail(text: string, lines = 5): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
