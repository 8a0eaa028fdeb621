/** The OpenClaw CLI as seen through its command prefix: probe, paste a token, read status, set the order. */
import {
  composeBase,
  type ComposeConfig,
  detectCompose,
} from "../compose/project.ts";
import { deliveryFailed } from "../lib/errors.ts";
import { redact } from "../lib/fingerprint.ts";
import { type Runner, type RunResult, tail } from "../lib/process.ts";
import type { Login } from "../login/credentials.ts";
import type { Probe } from "./route.ts";
import { formatDuration } from "../lib/time.ts";

/** A resolved CLI: the argv prefix that runs `openclaw`, where to run it, and its time limit. */
export interface OpenClawCli {
  prefix: string[];
  cwd?: string;
  timeoutMs: number;
}

/** The CLI prefix: --openclaw-cli split on blanks, else `docker compose exec -T <service> openclaw`. */
export async function resolveCli(
  config: ComposeConfig & { openclawCli?: string },
  run: Runner,
): Promise<OpenClawCli> {
  const prefix = config.openclawCli ? config.openclawCli.trim().split(/\s+/) : [
    ...composeBase(await detectCompose(run), config),
    "exec",
    "-T",
    config.service,
    "openclaw",
  ];
  return { prefix, cwd: config.composeDir, timeoutMs: config.composeTimeout };
}

/** Runs one OpenClaw subcommand; the token, when given, goes on standard input only. */
function call(
  cli: OpenClawCli,
  run: Runner,
  args: string[],
  stdin?: string,
): Promise<RunResult> {
  return run([...cli.prefix, ...args], {
    cwd: cli.cwd,
    timeoutMs: cli.timeoutMs,
    stdin,
  });
}

/** Runs a subcommand and returns its result; throws a delivery error naming the command and its error tail. */
async function mustCall(
  cli: OpenClawCli,
  run: Runner,
  args: string[],
  stdin?: string,
): Promise<RunResult> {
  const result = await call(cli, run, args, stdin);
  if (result.code === 0 && !result.timedOut) return result;
  const why = result.timedOut
    ? `timed out after ${formatDuration(cli.timeoutMs)}`
    : `exit code ${result.code}`;
  const detail = tail(result.stderr.trim() || result.stdout.trim(), 3);
  throw deliveryFailed(
    `openclaw ${args.slice(0, 3).join(" ")} failed (${why})${
      detail ? `: ${redact(detail)}` : ""
    }`,
  );
}

/** What a CLI or container prints when the openclaw program is not there. */
const NO_PROGRAM =
  /executable file not found|not found|No such file|unknown command|too many arguments/i;

/** Classifies the answer to `openclaw models auth paste-token --help` and `--version`. */
export function classifyProbe(help: RunResult, version: string): Probe {
  const text = help.stdout + help.stderr;
  if (help.code === 0 && /paste-token/.test(text)) {
    return /auth-profiles\.json/.test(text)
      ? { kind: "old", version }
      : { kind: "current", version };
  }
  if (help.timedOut) {
    return { kind: "unreachable", why: "the OpenClaw CLI did not answer" };
  }
  if (
    help.code === 0 || help.code === 126 || help.code === 127 ||
    NO_PROGRAM.test(text)
  ) {
    return {
      kind: "absent",
      why: "the gateway has no OpenClaw CLI with `models auth paste-token`",
    };
  }
  return {
    kind: "unreachable",
    why: `cannot ask the gateway's OpenClaw (exit code ${help.code}${
      text.trim() ? `: ${redact(tail(text.trim(), 1))}` : ""
    })`,
  };
}

/** Asks the gateway's OpenClaw whether it has `models auth paste-token`, and its version. */
export async function probeCli(cli: OpenClawCli, run: Runner): Promise<Probe> {
  const help = await call(cli, run, [
    "models",
    "auth",
    "paste-token",
    "--help",
  ]);
  const version = help.code === 0
    ? (await call(cli, run, ["--version"])).stdout.trim().split("\n")[0]
    : "";
  return classifyProbe(help, version || "OpenClaw");
}

/** Whole seconds from now until the login expires, at least 1, as OpenClaw's duration text. */
export function expiresIn(login: Login, now: number): string {
  return `${Math.max(1, Math.floor((login.expiresAt - now) / 1000))}s`;
}

/** What OpenClaw prints when the running gateway did not reload the saved auth. */
const NOT_RELOADED = /^.*(could not refresh|could not be identified).*$/m;

/** Stores the access token as profile anthropic:manual through `models auth paste-token`, token on stdin; returns OpenClaw's warning when the running gateway did not reload it. */
export async function pasteToken(
  cli: OpenClawCli,
  run: Runner,
  login: Login,
  now: number,
): Promise<string | undefined> {
  const { stderr } = await mustCall(cli, run, [
    "models",
    "auth",
    "paste-token",
    "--provider",
    "anthropic",
    "--expires-in",
    expiresIn(login, now),
  ], login.accessToken);
  const warning = NOT_RELOADED.exec(stderr)?.[0].trim();
  return warning && redact(warning);
}

/** The output of `openclaw models status --json`. */
export async function modelsStatus(
  cli: OpenClawCli,
  run: Runner,
): Promise<string> {
  return (await mustCall(cli, run, ["models", "status", "--json"])).stdout;
}

/** Sets the stored Anthropic profile order through `models auth order set`. */
export async function setOrder(
  cli: OpenClawCli,
  run: Runner,
  profileIds: string[],
): Promise<void> {
  await mustCall(cli, run, [
    "models",
    "auth",
    "order",
    "set",
    "--provider",
    "anthropic",
    ...profileIds,
  ]);
}
