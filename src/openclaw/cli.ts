/**
 * The OpenClaw CLI as seen through a command prefix: which prefixes to try,
 * which one answers, pasting a token, reading status, setting the order.
 *
 * The official image has `openclaw` on PATH only since early 2026; older
 * images run it as `node dist/index.js` (what OpenClaw's compose file and
 * helper scripts use) or `node openclaw.mjs` in /app, and a project may
 * offer the `openclaw-cli` service. So a compose target tries, in order:
 * `exec -T <service> openclaw`, `exec -T <service> node dist/index.js`,
 * `exec -T <service> node openclaw.mjs`, then `run --rm -T openclaw-cli`
 * when no exec could reach the gateway's container at all.
 */
import {
  composeBase,
  type ComposeConfig,
  type ComposeVariant,
} from "../compose/project.ts";
import { deliveryFailed } from "../lib/errors.ts";
import { redact } from "../lib/fingerprint.ts";
import { type Runner, type RunResult, tail } from "../lib/process.ts";
import { formatDuration } from "../lib/time.ts";
import type { Login } from "../login/credentials.ts";
import { type Found, found } from "./found.ts";
import type { Probe } from "./route.ts";

/** A resolved CLI: the argv prefix that runs `openclaw`, where to run it, its time limit, and where it was found. */
export interface OpenClawCli {
  prefix: string[];
  cwd?: string;
  timeoutMs: number;
  from?: string;
}

/** The service OpenClaw's own compose file offers for running its CLI. */
export const CLI_SERVICE = "openclaw-cli";

/** The ways into a compose gateway's CLI through its running container, in the order they are tried. */
export function composeCandidates(
  variant: ComposeVariant,
  config: ComposeConfig,
): Found<string[]>[] {
  const base = composeBase(variant, config);
  const exec = (...argv: string[]) =>
    found(
      [...base, "exec", "-T", config.service, ...argv],
      `tried in the gateway's container: ${argv.join(" ")}`,
    );
  return [
    exec("openclaw"),
    exec("node", "dist/index.js"),
    exec("node", "openclaw.mjs"),
  ];
}

/** The project's openclaw-cli service, which starts a container of its own (`run --rm -T`). */
export function cliServiceCandidate(
  variant: ComposeVariant,
  config: ComposeConfig,
): Found<string[]> {
  return found(
    [...composeBase(variant, config), "run", "--rm", "-T", CLI_SERVICE],
    `the project's ${CLI_SERVICE} service`,
  );
}

/** A candidate as a CLI to run. */
export function cliOf(
  candidate: Found<string[]>,
  config: { composeDir?: string; composeTimeout: number },
): OpenClawCli {
  return {
    prefix: candidate.value,
    cwd: config.composeDir,
    timeoutMs: config.composeTimeout,
    from: candidate.from,
  };
}

/** --openclaw-cli split on blanks. */
export function configuredCli(
  config: { openclawCli?: string; composeDir?: string; composeTimeout: number },
  from = "--openclaw-cli",
): OpenClawCli | undefined {
  if (!config.openclawCli) return undefined;
  return cliOf(
    found(config.openclawCli.trim().split(/\s+/), from),
    config,
  );
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

/** The delivery error of a failed subcommand, naming it and its error tail. */
function failed(cli: OpenClawCli, args: string[], result: RunResult) {
  const why = result.timedOut
    ? `timed out after ${formatDuration(cli.timeoutMs)}`
    : `exit code ${result.code}`;
  const detail = tail(result.stderr.trim() || result.stdout.trim(), 3);
  return deliveryFailed(
    `openclaw ${args.slice(0, 3).join(" ")} failed (${why})${
      detail ? `: ${redact(detail)}` : ""
    }`,
  );
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
  throw failed(cli, args, result);
}

/** What a CLI or container prints when the program (or its entry file) is not there. */
const NO_PROGRAM =
  /executable file not found|: not found\s*$|command not found|No such file or directory|Cannot find module|unknown command|too many arguments/im;

/** Why a CLI that ran out of time is unreachable. */
const NO_ANSWER = "the OpenClaw CLI did not answer";

/** Whether a run failed because the program, or the entry file node was given, is not there. */
export function programMissing(result: RunResult): boolean {
  return !result.timedOut &&
    (result.code === 126 || result.code === 127 ||
      (result.code !== 0 && NO_PROGRAM.test(result.stderr + result.stdout)));
}

/** The version in OpenClaw's banner or `--version` line (`OpenClaw 2026.9.6 (eb377ac)`, or a bare `2026.1.30`). */
export function versionIn(text: string): string | undefined {
  return /OpenClaw (\d{4}\.\d+\.\d+\S*)/.exec(text)?.[1] ??
    /^\s*(\d{4}\.\d+\.\d+\S*)\s*$/m.exec(text)?.[1];
}

/** Classifies the answer to `openclaw models auth paste-token --help` and `--version`. */
export function classifyProbe(help: RunResult, version: string): Probe {
  const text = help.stdout + help.stderr;
  if (help.code === 0 && /paste-token/.test(text)) {
    return /auth-profiles\.json/.test(text)
      ? { kind: "old", version }
      : { kind: "current", version };
  }
  if (help.timedOut) return { kind: "unreachable", why: NO_ANSWER };
  if (help.code === 0 || programMissing(help)) {
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

/** Asks one CLI whether it has `models auth paste-token`, and its version (from the help's banner, else `--version`). */
export async function probeCli(cli: OpenClawCli, run: Runner): Promise<Probe> {
  const help = await call(cli, run, [
    "models",
    "auth",
    "paste-token",
    "--help",
  ]);
  const text = help.stdout + help.stderr;
  const version = help.code === 0 && /paste-token/.test(text)
    ? versionIn(text) ??
      versionIn((await call(cli, run, ["--version"])).stdout)
    : undefined;
  return classifyProbe(help, version ? `OpenClaw ${version}` : "OpenClaw");
}

/**
 * The first candidate whose CLI has `paste-token`, with what it is; else the
 * verdict over all of them. `more` gives further candidates, asked for only
 * when none of these could be reached at all (the gateway's container is not
 * running, but the project's openclaw-cli service may start its own).
 */
export async function probeCandidates(
  candidates: OpenClawCli[],
  run: Runner,
  more?: () => Promise<OpenClawCli[]>,
): Promise<{ probe: Probe; cli?: OpenClawCli; tried: string[] }> {
  const tried: string[] = [];
  let unreachable: Probe | undefined;
  let all = candidates;
  if (more && candidates.length > 0) {
    const probes = await probeCandidates(candidates, run);
    if (
      probes.probe.kind !== "unreachable" || probes.probe.why === NO_ANSWER
    ) return probes;
    tried.push(...probes.tried);
    unreachable = probes.probe;
    all = await more();
  }
  for (const cli of all) {
    const probe = await probeCli(cli, run);
    tried.push(`${cli.prefix.slice(-2).join(" ")}: ${probe.kind}`);
    if (probe.kind === "current" || probe.kind === "old") {
      return { probe, cli, tried };
    }
    if (probe.kind === "unreachable") unreachable ??= probe;
    // A CLI that ran out of time (a hung daemon) would not answer through
    // the next prefix either: each would cost the whole time limit again.
    if (probe.kind === "unreachable" && probe.why === NO_ANSWER) break;
  }
  return {
    probe: unreachable ?? {
      kind: "absent",
      why: "the gateway has no OpenClaw CLI with `models auth paste-token`",
    },
    tried,
  };
}

/** Whole seconds from now until the login expires, at least 1, as OpenClaw's duration text. */
export function expiresIn(login: Login, now: number): string {
  return `${Math.max(1, Math.floor((login.expiresAt - now) / 1000))}s`;
}

/** What OpenClaw prints when the running gateway did not reload the saved auth. */
const NOT_RELOADED = /^.*(could not refresh|could not be identified).*$/m;

/** The arguments of a paste of the login. */
function pasteArgs(login: Login, now: number): string[] {
  return [
    "models",
    "auth",
    "paste-token",
    "--provider",
    "anthropic",
    "--expires-in",
    expiresIn(login, now),
  ];
}

/** OpenClaw's warning that the running gateway did not reload, redacted. */
function notReloaded(stderr: string): string | undefined {
  const warning = NOT_RELOADED.exec(stderr)?.[0].trim();
  return warning && redact(warning);
}

/** Stores the access token as profile anthropic:manual through `models auth paste-token`, token on stdin; returns OpenClaw's warning when the running gateway did not reload it. */
export async function pasteToken(
  cli: OpenClawCli,
  run: Runner,
  login: Login,
  now: number,
): Promise<string | undefined> {
  const { stderr } = await mustCall(
    cli,
    run,
    pasteArgs(login, now),
    login.accessToken,
  );
  return notReloaded(stderr);
}

/**
 * Pastes through the first candidate that has the program (a current
 * OpenClaw's CLI takes a piped token; the store on disk said it is
 * current); returns the CLI that took it and OpenClaw's warning. A
 * candidate that lacks the program costs one failed exec and no paste.
 */
export async function pasteThrough(
  candidates: OpenClawCli[],
  run: Runner,
  login: Login,
  now: () => number,
): Promise<{ cli: OpenClawCli; warning?: string }> {
  const missing: string[] = [];
  for (const cli of candidates) {
    const args = pasteArgs(login, now());
    const result = await call(cli, run, args, login.accessToken);
    if (result.code === 0 && !result.timedOut) {
      return { cli, warning: notReloaded(result.stderr) };
    }
    if (!programMissing(result)) throw failed(cli, args, result);
    missing.push(cli.prefix.join(" "));
  }
  throw deliveryFailed(
    `no OpenClaw CLI to paste the first token with (tried: ${
      missing.join("; ") || "none"
    }); set --openclaw-cli to the command that runs it`,
  );
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
