// Helpers for the engine tests: a throw-away compose project on the private
// engine started by tests/engine/engine.sh, and a runner for src/main.ts.
//
// Nothing here talks to a registry: the only image is local/busybox, imported
// by engine.sh. Tokens are random test values, never real ones.

import { scanAll, type Scanned, scanOutput } from "../helpers/hygiene.ts";

export const REPO_ROOT = new URL("../../", import.meta.url).pathname.replace(
  /\/$/,
  "",
);
export const ENGINE_SH = `${REPO_ROOT}/tests/engine/engine.sh`;
/** The tool under test; SOT_MAIN_TS overrides it (e.g. to try the tests on a stand-in). */
export const MAIN_TS = Deno.env.get("SOT_MAIN_TS") ??
  `${REPO_ROOT}/src/main.ts`;
export const GATEWAY = "openclaw-gateway";
export const OTHER = "other";

/** Default limit for one external command; every command has one. */
export const COMMAND_TIMEOUT_MS = 120_000;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for messages and searching */
  output: string;
  ms: number;
  timedOut: boolean;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** replace the whole environment instead of extending Deno.env */
  clearEnv?: boolean;
  timeoutMs?: number;
  stdin?: string;
}

/** Runs a command to completion, killing it after timeoutMs. Never throws on a non-zero exit. */
export async function run(
  cmd: string,
  args: string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? COMMAND_TIMEOUT_MS;
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, timeoutMs);
  const t0 = performance.now();
  try {
    const child = new Deno.Command(cmd, {
      args,
      cwd: opts.cwd,
      env: opts.env,
      clearEnv: opts.clearEnv,
      stdin: opts.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      signal: ac.signal,
    }).spawn();
    if (opts.stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(opts.stdin));
      await w.close();
    }
    const out = await child.output();
    const dec = new TextDecoder();
    const stdout = dec.decode(out.stdout);
    const stderr = dec.decode(out.stderr);
    return {
      code: timedOut ? 124 : out.code,
      stdout,
      stderr,
      output: stdout + stderr,
      ms: performance.now() - t0,
      timedOut,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Like run() but throws with the command's output on a non-zero exit. */
export async function must(
  cmd: string,
  args: string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(
      `command failed (exit ${r.code}${
        r.timedOut ? ", timed out" : ""
      }): ${cmd} ${args.join(" ")}\n${r.output}`,
    );
  }
  return r;
}

/** DOCKER_HOST / DOCKER_CONFIG of the private engine (from the environment, else engine.sh's defaults). */
export function engineEnv(): { DOCKER_HOST: string; DOCKER_CONFIG: string } {
  const dir = Deno.env.get("SOT_ENGINE_DIR") ?? "/tmp/sot-engine";
  return {
    DOCKER_HOST: Deno.env.get("DOCKER_HOST") ?? `unix://${dir}/docker.sock`,
    DOCKER_CONFIG: Deno.env.get("DOCKER_CONFIG") ?? `${dir}/docker-config`,
  };
}

/**
 * Throws a clear error when the engine does not answer. The engine tests never
 * skip: a missing engine is a failure of the run, not a reason to pass.
 */
export async function requireEngine(): Promise<void> {
  const env = engineEnv();
  const r = await run("docker", ["info", "--format", "{{.ServerVersion}}"], {
    env,
    timeoutMs: 20_000,
  });
  if (r.code !== 0) {
    throw new Error(
      `Docker engine not reachable at DOCKER_HOST=${env.DOCKER_HOST}.\n` +
        `Start it first (as root): bash tests/engine/engine.sh start && ` +
        `eval "$(bash tests/engine/engine.sh env)"\n` +
        `docker info said (exit ${r.code}): ${r.output.trim()}`,
    );
  }
  const img = await run("docker", ["image", "inspect", "local/busybox"], {
    env,
    timeoutMs: 20_000,
  });
  if (img.code !== 0) {
    throw new Error(
      "image local/busybox is missing on the engine; run tests/engine/engine.sh start (it imports it)",
    );
  }
}

function randomAlnum(n: number): string {
  const abc =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => abc[b % abc.length]).join("");
}

/** A random access token in the shape of a Claude Code OAuth token (>= 80 chars). Never a real one. */
export function testToken(): string {
  return "sk-ant-oat01-" + randomAlnum(95) + "AA";
}

export function testRefreshToken(): string {
  return "sk-ant-ort01-" + randomAlnum(95) + "AA";
}

export function randomId(n = 8): string {
  const abc = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => abc[b % abc.length]).join("");
}

export type ComposeFlavor = "v1" | "v2";

export interface ProjectOptions {
  /**
   * "v2": `docker compose` works (CLI-plugin shim in a private DOCKER_CONFIG,
   * running docker-compose 1.29.2). "v1": no plugin, so `docker compose version`
   * fails and only `docker-compose` works.
   */
  flavor: ComposeFlavor;
  /** name of the compose file; default docker-compose.yml */
  composeFile?: string;
  /** directory basename (= default compose project name); default random */
  dirName?: string;
  /** extra lines kept in .env next to the token */
  extraEnv?: string[];
  /** initial token in .env (default: a random test token) */
  initialToken?: string;
  /** explicit compose project name (-p); default: none, i.e. the dir name */
  projectName?: string;
}

export interface Container {
  id: string;
  name: string;
  running: boolean;
}

/** Compose file of the fixture: the gateway plus a service that must never be touched. */
export function composeYaml(): string {
  return [
    "services:",
    `  ${GATEWAY}:`,
    "    image: local/busybox",
    "    env_file: .env",
    "    init: true",
    "    command: sleep 100000",
    `  ${OTHER}:`,
    "    image: local/busybox",
    // shares the .env on purpose: a plain `up -d` (without the service name
    // and --no-deps) would recreate it too after the token changed
    "    env_file: .env",
    "    init: true",
    "    command: sleep 100000",
    "",
  ].join("\n");
}

const SHIM = `#!/bin/sh
# compose v2 CLI-plugin shim (test fixture): docker compose ... -> docker-compose 1.29.2
if [ "$1" = docker-cli-plugin-metadata ]; then
  echo '{"SchemaVersion":"0.1.0","Vendor":"local","Version":"1.29.2-shim"}'
  exit 0
fi
shift
echo "$*" >>"$(dirname "$0")/../../compose-v2.log"
if [ -e "$(dirname "$0")/../../stop-daemon-on-up" ]; then
  case " $* " in *" up "*)
    rm -f "$(dirname "$0")/../../stop-daemon-on-up"
    bash "$SOT_ENGINE_SH" stop >/dev/null 2>&1 ;;
  esac
fi
exec /usr/bin/docker-compose "$@"
`;

const V1_WRAPPER = `#!/bin/sh
# logs calls of the v1 binary (test fixture), then runs it
echo "$*" >>"$(dirname "$0")/../compose-v1.log"
exec /usr/bin/docker-compose "$@"
`;

/** A temporary compose project on the private engine. Call down() in a finally. */
export class Project {
  readonly root: string; // temp dir holding everything
  readonly dir: string; // compose dir
  readonly composeFile: string;
  readonly envFile: string;
  readonly credentials: string;
  readonly flavor: ComposeFlavor;
  readonly projectName?: string;
  /** environment for docker commands and for the tool */
  readonly env: Record<string, string>;

  private constructor(
    root: string,
    dirName: string,
    flavor: ComposeFlavor,
    composeFile: string,
    projectName?: string,
  ) {
    this.root = root;
    this.projectName = projectName;
    this.dir = `${root}/${dirName}`;
    this.composeFile = `${this.dir}/${composeFile}`;
    this.envFile = `${this.dir}/.env`;
    this.credentials = `${root}/home/.claude/.credentials.json`;
    this.flavor = flavor;
    const eng = engineEnv();
    this.env = {
      DOCKER_HOST: eng.DOCKER_HOST,
      DOCKER_CONFIG: `${root}/docker-config`,
      PATH: `${root}/bin:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
      HOME: `${root}/home`,
      SOT_ENGINE_SH: ENGINE_SH,
    };
  }

  static async create(opts: ProjectOptions): Promise<Project> {
    const root = await Deno.makeTempDir({ prefix: "sot-engine-fx-" });
    const p = new Project(
      root,
      opts.dirName ?? `sot${opts.flavor}${randomId(6)}`,
      opts.flavor,
      opts.composeFile ?? "docker-compose.yml",
      opts.projectName,
    );
    await Deno.mkdir(p.dir, { recursive: true });
    await Deno.mkdir(`${root}/home/.claude`, { recursive: true });
    await Deno.mkdir(`${root}/bin`, { recursive: true });
    await Deno.mkdir(`${root}/docker-config`, { recursive: true });
    await Deno.writeTextFile(`${root}/docker-config/config.json`, "{}\n");
    await Deno.writeTextFile(`${root}/bin/docker-compose`, V1_WRAPPER, {
      mode: 0o755,
    });
    if (opts.flavor === "v2") {
      await Deno.mkdir(`${root}/docker-config/cli-plugins`);
      await Deno.writeTextFile(
        `${root}/docker-config/cli-plugins/docker-compose`,
        SHIM,
        { mode: 0o755 },
      );
    }
    await Deno.writeTextFile(p.composeFile, composeYaml());
    await Deno.writeTextFile(
      p.envFile,
      [
        "# openclaw deployment (test fixture)",
        ...(opts.extraEnv ?? ["OPENCLAW_GATEWAY_TOKEN=gw-test-token"]),
        `ANTHROPIC_OAUTH_TOKEN=${opts.initialToken ?? testToken()}`,
        "",
      ].join("\n"),
    );
    return p;
  }

  /** Writes Claude Code credentials with the given access token. */
  async writeCredentials(
    accessToken: string,
    expiresAt = Date.now() + 8 * 3600_000,
  ): Promise<void> {
    const creds = {
      claudeAiOauth: {
        accessToken,
        refreshToken: testRefreshToken(),
        expiresAt,
        scopes: ["user:inference", "user:profile"],
        subscriptionType: "max",
      },
    };
    await Deno.writeTextFile(
      this.credentials,
      JSON.stringify(creds, null, 2) + "\n",
      { mode: 0o600 },
    );
  }

  /** Runs a compose command in the project dir with the project's flavor. */
  compose(args: string[], timeoutMs?: number): Promise<RunResult> {
    const file = this.composeFile.slice(this.dir.length + 1);
    const fileArgs = file === "docker-compose.yml" ? [] : ["-f", file];
    if (this.projectName) fileArgs.push("-p", this.projectName);
    return this.flavor === "v2"
      ? run("docker", ["compose", ...fileArgs, ...args], {
        cwd: this.dir,
        env: this.env,
        timeoutMs,
      })
      : run("docker-compose", [...fileArgs, ...args], {
        cwd: this.dir,
        env: this.env,
        timeoutMs,
      });
  }

  /** `up -d` of both services; throws on failure. */
  async up(): Promise<void> {
    const r = await this.compose(["up", "-d"]);
    if (r.code !== 0) throw new Error(`compose up failed:\n${r.output}`);
    await this.clearComposeLogs();
  }

  async clearComposeLogs(): Promise<void> {
    for (const f of ["compose-v1.log", "compose-v2.log"]) {
      await Deno.remove(`${this.root}/${f}`).catch(() => {});
    }
  }

  /** Calls of `docker compose` (v2 path) made since up(), one string per call. */
  async composeCalls(flavor: ComposeFlavor): Promise<string[]> {
    try {
      const t = await Deno.readTextFile(`${this.root}/compose-${flavor}.log`);
      return t.split("\n").filter((l) => l !== "");
    } catch {
      return [];
    }
  }

  /** Makes the v2 shim stop the daemon right before the next `up` it forwards. */
  async armStopDaemonOnUp(): Promise<void> {
    await Deno.writeTextFile(`${this.root}/stop-daemon-on-up`, "");
  }

  /**
   * Containers of a service, found by compose labels (working dir + service), so
   * v1 (`<project>_<svc>_1`) and v2 (`<project>-<svc>-1`) naming both work.
   */
  async containers(service: string): Promise<Container[]> {
    const r = await must("docker", [
      "ps",
      "-a",
      "--no-trunc",
      "--filter",
      `label=com.docker.compose.project.working_dir=${this.dir}`,
      "--filter",
      `label=com.docker.compose.service=${service}`,
      "--format",
      "{{.ID}}\t{{.Names}}\t{{.State}}",
    ], { env: this.env, timeoutMs: 30_000 });
    return r.stdout.split("\n").filter((l) => l !== "").map((l) => {
      const [id, name, state] = l.split("\t");
      return { id, name, running: state === "running" };
    });
  }

  /** Id of the one container of a service; throws when there is not exactly one. */
  async containerId(service: string): Promise<string> {
    const cs = await this.containers(service);
    if (cs.length !== 1) {
      throw new Error(
        `expected 1 container of ${service}, found ${cs.length}: ${
          JSON.stringify(cs)
        }`,
      );
    }
    return cs[0].id;
  }

  /** The environment a process in the running container sees (`docker exec <ctr> env`). */
  async containerEnv(service: string): Promise<Record<string, string>> {
    const id = await this.containerId(service);
    const r = await must("docker", ["exec", id, "env"], {
      env: this.env,
      timeoutMs: 30_000,
    });
    const out: Record<string, string> = {};
    for (const line of r.stdout.split("\n")) {
      const i = line.indexOf("=");
      if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
    }
    return out;
  }

  /** `down -v` and removal of the temp dir. Throws only when the compose argv logs held a token. */
  async down(): Promise<void> {
    const logs: Scanned[] = [];
    for (const flavor of ["v1", "v2"] as const) {
      logs.push({
        source: `compose ${flavor} argv log of ${this.dir}`,
        text: (await this.composeCalls(flavor)).join("\n"),
      });
    }
    try {
      await Deno.writeTextFile(this.composeFile, composeYaml());
      await this.compose(["down", "-v", "--remove-orphans", "-t", "1"], 60_000);
      // anything left (e.g. after a failed compose call) goes by label
      const cs = await this.containers(GATEWAY).catch(() => []);
      const os = await this.containers(OTHER).catch(() => []);
      const ids = [...cs, ...os].map((c) => c.id);
      if (ids.length) {
        await run("docker", ["rm", "-f", ...ids], { env: this.env });
      }
    } catch (e) {
      console.error(`teardown of ${this.dir}: ${e}`);
    } finally {
      await Deno.remove(this.root, { recursive: true }).catch(() => {});
    }
    scanAll(logs);
  }
}

/** Container naming of each flavor, as compose names the first container of a service. */
export function containerName(
  project: string,
  service: string,
  flavor: ComposeFlavor,
): string {
  return flavor === "v1"
    ? `${project}_${service}_1`
    : `${project}-${service}-1`;
}

export interface ToolOptions {
  restart?: "recreate" | "down-up" | "none";
  service?: string;
  composeProject?: string;
  composeFile?: string;
  composeDir?: boolean; // pass --compose-dir (default true)
  extra?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Runs `deno run -A src/main.ts <args>` in the repository; throws when its output holds a token. */
async function runMain(
  args: string[],
  opts: RunOptions,
): Promise<RunResult> {
  const r = await run(Deno.execPath(), ["run", "-A", MAIN_TS, ...args], opts);
  scanOutput(`sync-oauth-token ${args[0]} (engine)`, r);
  return r;
}

/** Runs `deno run -A src/main.ts --once ...` for the project. */
export function runTool(p: Project, o: ToolOptions = {}): Promise<RunResult> {
  const args = [
    "--once",
    "--credentials",
    p.credentials,
    "--env-file",
    p.envFile,
  ];
  if (o.composeDir !== false) args.push("--compose-dir", p.dir);
  if (o.composeFile) args.push("--compose-file", o.composeFile);
  if (o.composeProject) args.push("--compose-project", o.composeProject);
  if (o.service) args.push("--service", o.service);
  if (o.restart) args.push("--restart", o.restart);
  args.push(...(o.extra ?? []));
  return runMain(args, {
    cwd: REPO_ROOT,
    env: { ...p.env, NO_COLOR: "1", ...(o.env ?? {}) },
    timeoutMs: o.timeoutMs ?? 180_000,
  });
}

/** Runs `deno run -A src/main.ts status --json ...` for the project. */
export function runStatus(
  p: Project,
  extra: string[] = [],
): Promise<RunResult> {
  return runMain([
    "status",
    "--json",
    "--credentials",
    p.credentials,
    "--env-file",
    p.envFile,
    "--compose-dir",
    p.dir,
    ...extra,
  ], { cwd: REPO_ROOT, env: { ...p.env, NO_COLOR: "1" }, timeoutMs: 120_000 });
}

/** Reads ANTHROPIC_OAUTH_TOKEN from a .env file (last assignment wins). */
export async function envFileToken(path: string): Promise<string | undefined> {
  let v: string | undefined;
  for (const raw of (await Deno.readTextFile(path)).split("\n")) {
    const m = /^\s*(?:export\s+)?ANTHROPIC_OAUTH_TOKEN\s*=\s*(.*?)\s*$/.exec(
      raw,
    );
    if (m) v = m[1].replace(/^(['"])(.*)\1$/, "$2");
  }
  return v;
}

/** Registers a test that fails (instead of hanging) after `ms`. */
export function engineTest(
  name: string,
  ms: number,
  fn: () => Promise<void>,
): void {
  Deno.test({
    name,
    // a timed-out test may leave a child process running until its own
    // command timeout kills it; that must not hide the real failure
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`test timed out after ${ms / 1000} s`)),
          ms,
        );
      });
      try {
        await Promise.race([fn(), deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
  });
}
