/** Test fixtures: temp directories, credentials, a recording fake docker, and running the tool as a process; every process's output and every workspace's leftovers are scanned for tokens. */
import { basename, join } from "node:path";
import { envValue } from "../../src/lib/dotenv.ts";
import { runtimeFlags } from "../install/flags.ts";
import {
  knownTokens,
  leftovers,
  scanAll,
  scanForTokens,
  scanOutput,
} from "./hygiene.ts";

/** Deno's cache of the test run, handed to every tool process (whose HOME is its workspace). */
const DENO_DIR = Deno.env.get("DENO_DIR") ??
  join(Deno.env.get("HOME") ?? "/root", ".cache", "deno");

/** The .env variable the tool writes by default. */
const ENV_KEY = "ANTHROPIC_OAUTH_TOKEN";

/** The entry point under test. */
export const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

/** Deno flags the tool runs with: SOT_RUN_FLAGS (whitespace-separated; `deno task test` sets it to src/flags.sh's), else -A and the shipped runtime flags. */
export const RUN_FLAGS =
  Deno.env.get("SOT_RUN_FLAGS")?.split(/\s+/).filter(Boolean) ??
    ["-A", ...await runtimeFlags()];

/** The shortest random body the scan knows as a secret (TOKEN_SHAPE's minimum); shorter ones name temp files. */
const SECRET_LENGTH = 20;

/** A random token body (url-safe), long enough for OpenClaw's 80-character check; the secret scan knows it. */
export function tokenBody(length = 90): string {
  const abc =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const body = Array.from(
    crypto.getRandomValues(new Uint8Array(length)),
    (b) => abc[b % abc.length],
  ).join("");
  if (length >= SECRET_LENGTH) knownTokens.add(body);
  return body;
}

/** A fresh test login with real prefixes and random bodies. */
export function testLogin(expiresInMs = 8 * 3600e3) {
  return {
    accessToken: `sk-ant-oat01-${tokenBody()}`,
    refreshToken: `sk-ant-ort01-${tokenBody()}`,
    expiresAt: Date.now() + expiresInMs,
    scopes: ["user:inference", "user:profile"],
  };
}

/** A login as test code uses it. */
export type TestLogin = ReturnType<typeof testLogin>;

/** Claude Code's compact one-line credentials JSON for a login. */
export function credentialsJson(
  oauth: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    claudeAiOauth: { subscriptionType: "max", ...oauth },
    ...extra,
  });
}

/** A temp workspace: a Claude dir, a compose dir, a fake docker on PATH that records its calls. */
export class Workspace {
  readonly root: string;
  readonly claudeDir: string;
  readonly composeDir: string;
  readonly bin: string;
  readonly dockerLog: string;

  constructor(root: string) {
    this.root = root;
    this.claudeDir = join(root, "claude");
    this.composeDir = join(root, "compose");
    this.bin = join(root, "bin");
    this.dockerLog = join(root, "docker.log");
  }

  /** Creates the directories and a fake docker; `dockerExit` makes every non-version call fail. */
  static async create(dockerExit = 0): Promise<Workspace> {
    const ws = new Workspace(await Deno.makeTempDir({ prefix: "sot-" }));
    for (const d of [ws.claudeDir, ws.composeDir, ws.bin]) {
      await Deno.mkdir(d, { recursive: true });
    }
    await ws.fakeDocker(dockerExit);
    await Deno.writeTextFile(ws.configFile, "# no settings\n");
    return ws;
  }

  get credentials(): string {
    return join(this.claudeDir, ".credentials.json");
  }
  get envFile(): string {
    return join(this.composeDir, ".env");
  }
  get configFile(): string {
    return join(this.root, "config.env");
  }
  /** The tool's own state directory (XDG_STATE_HOME/sync-oauth-token): the state file and the restarts owed. */
  get stateDir(): string {
    return join(this.root, "state", "sync-oauth-token");
  }
  get oauthJson(): string {
    return join(this.root, "openclaw", "credentials", "oauth.json");
  }

  /** Whether both sinks hold the token: .env as the line `ANTHROPIC_OAUTH_TOKEN=<token>`, the value in effect, and oauth.json as anthropic.access. */
  async holdsToken(token: string): Promise<boolean> {
    const env = await Deno.readTextFile(this.envFile).catch(() => "");
    const oauth = await Deno.readTextFile(this.oauthJson).catch(() => "{}");
    return env.includes(`${ENV_KEY}=${token}\n`) &&
      envValue(env, ENV_KEY) === token &&
      JSON.parse(oauth).anthropic?.access === token;
  }

  /**
   * Installs a fake docker that records argv, cwd and how many tokens its
   * environment holds as JSON lines. It plays a gateway container: `compose
   * up` copies the .env into the container's environment, `compose ps -q` and
   * `inspect` report it; it has no OpenClaw CLI (`compose exec` fails as a
   * container without the program does). `exitCode` != 0 makes `up` and `down` fail.
   */
  async fakeDocker(exitCode: number): Promise<void> {
    const ctr = join(this.root, "container.env");
    const script = `#!/bin/sh
printf '{"argv":"%s","cwd":"%s","env":"%s"}\\n' "$*" "$(pwd)" "$(env | grep -c sk-ant-)" >> ${this.dockerLog}
case "$*" in
  "compose version") echo "Docker Compose version v2.test"; exit 0;;
  "compose exec"*) echo 'OCI runtime exec failed: exec failed: unable to start container process: exec: "openclaw": executable file not found in $PATH: unknown' >&2; exit 126;;
  "compose ps -q"*) [ -f ${ctr} ] && echo fakecontainer0001; exit 0;;
  "inspect "*) printf '[{"Id":"fakecontainer0001","Config":{"Env":[%s],"Labels":{}},"Mounts":[]}]\\n' "$(sed 's/.*/"&"/' ${ctr} | paste -sd, -)"; exit 0;;
esac
if [ ${exitCode} -ne 0 ]; then echo "fake docker failing on purpose" >&2; exit ${exitCode}; fi
case "$*" in "compose up"*)
  tr -d '\\r' < .env | grep '^[^#]*=' | sed -e 's/^export //' -e 's/="\\(.*\\)"$/=\\1/' -e "s/='\\(.*\\)'$/=\\1/" > ${ctr};;
esac
exit 0
`;
    const path = join(this.bin, "docker");
    await Deno.writeTextFile(path, script);
    await Deno.chmod(path, 0o755);
  }

  /** The recorded docker calls. */
  async dockerCalls(): Promise<{ argv: string; cwd: string; env: string }[]> {
    const text = await Deno.readTextFile(this.dockerLog).catch(() => "");
    return text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
  }

  /** The recorded docker calls that act on the gateway (not the version, the CLI probe, ps or inspect). */
  async gatewayActions(): Promise<string[]> {
    return (await this.dockerCalls()).map((c) => c.argv).filter((argv) =>
      !/^(compose version|compose exec|compose ps|inspect )/.test(argv)
    );
  }

  /** Writes credentials the way Claude Code does: temp file with O_EXCL, then rename. */
  async writeLogin(
    login: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await this.writeCredentialsText(credentialsJson(login, extra));
  }

  /** Writes raw credentials text by temp file and rename. */
  async writeCredentialsText(text: string): Promise<void> {
    const tmp = `${this.credentials}.tmp.${tokenBody(8)}`;
    await Deno.writeTextFile(tmp, text, { mode: 0o600, createNew: true });
    await Deno.rename(tmp, this.credentials);
  }

  /** Standard flags pointing at this workspace. */
  flags(...more: string[]): string[] {
    return [
      "--credentials",
      this.credentials,
      "--env-file",
      this.envFile,
      "--config",
      this.configFile,
      ...more,
    ];
  }

  /** The environment for the tool: the fake docker first on PATH, HOME and the tool's state inside the workspace (Deno's cache stays the one this test runs with). */
  env(): Record<string, string> {
    return {
      PATH: `${this.bin}:${Deno.env.get("PATH")}`,
      HOME: this.root,
      XDG_STATE_HOME: join(this.root, "state"),
      DENO_DIR: DENO_DIR,
      NO_COLOR: "1",
    };
  }

  /** Runs the tool to completion, with RUN_FLAGS or the Deno flags given. */
  run(args: string[], flags = RUN_FLAGS): Promise<Outcome> {
    return this.runWrapped([], args, flags);
  }

  /** Runs the tool to completion under a wrapping command (e.g. unshare). */
  runWrapped(
    wrap: string[],
    args: string[],
    flags = RUN_FLAGS,
  ): Promise<Outcome> {
    return runCommand(
      [...wrap, Deno.execPath(), "run", ...flags, MAIN, ...args],
      this.env(),
    );
  }

  /** Removes the workspace; throws when a file left in it (the docker argv log among them) holds a token. */
  async cleanup(): Promise<void> {
    try {
      scanAll(await leftovers(this.root));
    } finally {
      await Deno.remove(this.root, { recursive: true });
    }
  }
}

/** A command as scan messages name it: the tool's arguments after main.ts (paths by their last part), else the whole argv. */
function commandName(argv: string[]): string {
  const main = argv.indexOf(MAIN);
  const words = main >= 0
    ? ["sync-oauth-token", ...argv.slice(main + 1)]
    : argv;
  return words.map((w) => w.startsWith("/") ? basename(w) : w).join(" ")
    .replace(/\s+/g, " ").slice(0, 160);
}

/** Runs a command to completion with the given environment added, no standard input; throws when its output holds a token. */
export async function runCommand(
  argv: string[],
  env: Record<string, string> = {},
): Promise<Outcome> {
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const d = new TextDecoder();
  const outcome = {
    code: out.code,
    stdout: d.decode(out.stdout),
    stderr: d.decode(out.stderr),
  };
  scanOutput(commandName(argv), outcome);
  return outcome;
}

/** What a finished run printed and returned. */
export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Fails when the output contains one of the tokens, a known test token or anything shaped like one. */
export function assertNoToken(text: string, ...tokens: string[]): void {
  for (const t of tokens) knownTokens.add(t);
  scanForTokens("the asserted output", text);
}

/** Waits until the predicate holds or the time runs out. */
export async function waitFor(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A running tool process whose standard error is collected; `done` rejects when its stdout or stderr held a token. */
export class Running {
  #stdout = "";
  #stderr = "";
  readonly done: Promise<Deno.CommandStatus>;

  constructor(readonly child: Deno.ChildProcess, command: string) {
    const read = async (
      stream: ReadableStream<Uint8Array>,
      append: (text: string) => void,
    ) => {
      for await (const text of stream.pipeThrough(new TextDecoderStream())) {
        append(text);
      }
    };
    this.done = Promise.all([
      child.status,
      read(child.stdout, (text) => this.#stdout += text),
      read(child.stderr, (text) => this.#stderr += text),
    ]).then(([status]) => {
      scanOutput(command, { stdout: this.#stdout, stderr: this.#stderr });
      return status;
    });
  }

  /** Starts the tool with args in the workspace's environment; `wrap` prefixes the command (e.g. unshare), `denoFlags` go with the shipped ones. */
  static start(
    ws: Workspace,
    args: string[],
    wrap: string[] = [],
    denoFlags: string[] = [],
  ): Running {
    const argv = [
      ...wrap,
      Deno.execPath(),
      "run",
      ...RUN_FLAGS,
      ...denoFlags,
      MAIN,
      ...args,
    ];
    return new Running(
      new Deno.Command(argv[0], {
        args: argv.slice(1),
        env: ws.env(),
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn(),
      commandName(argv),
    );
  }

  /** How many lines of standard error so far match. */
  count(pattern: RegExp): number {
    return this.#stderr.split("\n").filter((l) => pattern.test(l)).length;
  }

  /** Everything written to standard error so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** The resident set size in KiB of the process, from /proc. */
  async rssKiB(): Promise<number> {
    const status = await Deno.readTextFile(`/proc/${this.child.pid}/status`);
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
  }

  /** Sends SIGTERM and waits for the exit status. */
  async stop(): Promise<Deno.CommandStatus> {
    try {
      this.child.kill("SIGTERM");
    } catch { /* already gone */ }
    return await this.done;
  }
}
