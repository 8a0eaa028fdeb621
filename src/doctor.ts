/**
 * `sync-oauth-token doctor`: checks every piece of the configuration and says
 * what to fix, one line each. Each check is an independent entry of CHECKS;
 * they run concurrently and print in order.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { dirname, isAbsolute, join } from "./paths.ts";
import { compose, type ComposeVariant } from "./compose.ts";
import type { Config } from "./config.ts";
import { ExitCode, messageOf, SyncError } from "./errors.ts";
import { fingerprint } from "./fingerprint.ts";
import { splitCommand } from "./hooks.ts";
import { type Runner, tail } from "./process.ts";
import { gatewayAccess } from "./openclaw/direct.ts";
import { routeFor } from "./openclaw/deliver.ts";
import { exists } from "./files.ts";
import { storeDatabase } from "./openclaw/sqlite_store.ts";
import { refreshDueAt } from "./refresh.ts";
import { readCredentials } from "./source.ts";
import { type AgentState, isLoginEnded, readState } from "./state.ts";
import { expiry, timeAgo } from "./time_left.ts";
import { within } from "./timer.ts";

/** How a finding reads: fine, worth a look, or broken. */
export type Verdict = "ok" | "warn" | "fail";

/** One line of the doctor's report: what was checked, the verdict, what was found and what to do. */
export interface Finding {
  check: string;
  verdict: Verdict;
  detail: string;
  fix?: string;
}

/** What the checks may touch; every edge injectable. */
export interface DoctorContext {
  config: Config;
  run: Runner;
  now: number;
  state?: AgentState;
  resolve: (host: string) => Promise<string[]>;
  watchFs: (dir: string) => { close(): void };
  fetch: typeof fetch;
}

/** One independent check: a name and what it finds. */
export interface Check {
  name: string;
  run(ctx: DoctorContext): Promise<Finding[]>;
}

/** A finding. */
function finding(
  check: string,
  verdict: Verdict,
  detail: string,
  fix?: string,
): Finding {
  return { check, verdict, detail, ...(fix ? { fix } : {}) };
}

/** The credentials file, the token's expiry, and whether the token endpoint refused this login. */
const credentialsCheck: Check = {
  name: "credentials",
  async run({ config, now, state }) {
    const path = config.credentials;
    let login;
    try {
      login = (await readCredentials(path)).login;
    } catch (err) {
      const ended = err instanceof SyncError &&
        err.exitCode === ExitCode.loginEnded;
      return [
        finding(
          "credentials",
          "fail",
          messageOf(err),
          ended
            ? "log in again with `claude`"
            : "log in with `claude` on this host, or point --credentials at its .credentials.json",
        ),
      ];
    }
    const findings = [
      finding(
        "credentials",
        "ok",
        `${path}: a valid login, token ${fingerprint(login.accessToken)}`,
      ),
    ];
    const mode = (await Deno.stat(path)).mode;
    if (mode !== null && (mode & 0o077) !== 0) {
      findings.push(finding(
        "credentials",
        "warn",
        `${path} is readable by others (mode ${(mode & 0o777).toString(8)})`,
        `chmod 600 ${path}`,
      ));
    }
    const due = refreshDueAt(login, config.refreshBefore) <= now;
    findings.push(
      login.expiresAt <= now
        ? finding(
          "token expiry",
          "fail",
          `token ${expiry(login.expiresAt, now)}`,
          "run `sync-oauth-token refresh --once`, or start `claude` once",
        )
        : finding(
          "token expiry",
          "ok",
          `token ${expiry(login.expiresAt, now)}${
            due ? " (inside --refresh-before: due for refresh)" : ""
          }`,
        ),
    );
    if (isLoginEnded(state, login.refreshToken)) {
      findings.push(finding(
        "login",
        "fail",
        `the token endpoint refused refresh token ${
          fingerprint(login.refreshToken)
        } ${timeAgo(state!.loginEnded!.at, now)}`,
        "log in again with `claude`",
      ));
    }
    return findings;
  },
};

/** Whether a directory accepts a new file: a temp file is made and removed. */
async function writable(dir: string): Promise<string | undefined> {
  try {
    const probe = await Deno.makeTempFile({ dir, prefix: ".sot-doctor-" });
    await Deno.remove(probe);
    return undefined;
  } catch (err) {
    return messageOf(err);
  }
}

/** Every directory the tool writes in (temp file and rename), and whether the .env file exists. */
const directoriesCheck: Check = {
  name: "directories",
  async run({ config }) {
    const roles = new Map<string, string[]>();
    const add = (path: string | undefined, role: string) => {
      if (!path) return;
      const dir = dirname(path);
      roles.set(dir, [...(roles.get(dir) ?? []), role]);
    };
    add(config.credentials, "credentials: refresh write-back and locks");
    add(config.envFile, ".env");
    add(config.oauthJson, "oauth.json");
    add(config.stateFile, "state file");
    const findings = await Promise.all(
      [...roles].map(async ([dir, what]) => {
        const problem = await writable(dir);
        return problem === undefined
          ? finding(
            "directory",
            "ok",
            `${dir} is writable (${what.join(", ")})`,
          )
          : finding(
            "directory",
            "fail",
            `${dir} is not writable (${what.join(", ")}): ${problem}`,
            `create it, or run as a user who may write there (systemd: add it to ReadWritePaths)`,
          );
      }),
    );
    if (config.envFile && !config.create) {
      if (!await exists(config.envFile)) {
        findings.push(finding(
          "env file",
          "fail",
          `${config.envFile} does not exist`,
          "point --env-file at the gateway's compose .env, or pass --create",
        ));
      }
    }
    return findings;
  },
};

/** A number from a /proc file, or undefined. */
async function procNumber(path: string): Promise<number | undefined> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.trim() === "" ? undefined : Number(text.trim());
}

/** How many inotify instances this user's processes hold, from /proc/<pid>/fd; undefined when /proc may not be read (Deno asks --allow-all for it). */
async function inotifyInstancesInUse(uid: number): Promise<number | undefined> {
  let count = 0;
  try {
    for await (const proc of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(proc.name)) continue;
      const dir = `/proc/${proc.name}`;
      if ((await Deno.stat(dir).catch(() => undefined))?.uid !== uid) continue;
      const fds = await Array.fromAsync(Deno.readDir(`${dir}/fd`)).catch(
        () => [],
      );
      for (const fd of fds) {
        const link = await Deno.readLink(`${dir}/fd/${fd.name}`).catch(() =>
          ""
        );
        if (link === "anon_inode:inotify") count++;
      }
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) return undefined;
    throw err;
  }
  return count;
}

/** Whether watching the credentials directory works, and the inotify limits. */
const inotifyCheck: Check = {
  name: "inotify",
  async run({ config, watchFs }) {
    if (config.poll) {
      return [
        finding(
          "inotify",
          "ok",
          `not used: --poll is set (every ${config.pollInterval / 1000} s)`,
        ),
      ];
    }
    const limits = "/proc/sys/fs/inotify";
    const instances = await procNumber(`${limits}/max_user_instances`);
    const watches = await procNumber(`${limits}/max_user_watches`);
    const queued = await procNumber(`${limits}/max_queued_events`);
    const inUse = await inotifyInstancesInUse(Deno.uid() ?? 0);
    const numbers = `${
      inUse ?? "?"
    } of max_user_instances ${instances} in use by this user, max_user_watches ${watches}, max_queued_events ${queued}`;
    const raise =
      "raise it: sysctl -w fs.inotify.max_user_instances=512 (and persist it in /etc/sysctl.d)";
    try {
      watchFs(dirname(config.credentials)).close();
    } catch (err) {
      return [
        finding(
          "inotify",
          "warn",
          `watching ${dirname(config.credentials)} fails (${
            messageOf(err)
          }): the tool polls every ${
            config.pollInterval / 1000
          } s instead; ${numbers}`,
          raise,
        ),
      ];
    }
    const tight = instances !== undefined && inUse !== undefined &&
      inUse >= instances - 1;
    return [
      finding(
        "inotify",
        tight ? "warn" : "ok",
        `watching works; ${numbers}`,
        tight ? raise : undefined,
      ),
    ];
  },
};

/** Compose v2 or v1 and its version line; undefined when neither runs. */
async function probeCompose(
  run: Runner,
): Promise<{ variant: ComposeVariant; version: string } | undefined> {
  for (
    const [variant, argv] of [
      ["v2", ["docker", "compose", "version"]],
      ["v1", ["docker-compose", "--version"]],
    ] as const
  ) {
    const r = await run([...argv], { timeoutMs: 10_000 });
    if (r.code === 0 && !r.timedOut) {
      return { variant, version: r.stdout.trim().split("\n")[0] };
    }
  }
  return undefined;
}

/** The Docker engine, compose v2 or v1, the gateway's service in the project, and its container. */
const dockerCheck: Check = {
  name: "docker",
  async run({ config, run }) {
    if (!config.envFile || config.restart === "none") {
      return [
        finding(
          "docker",
          "ok",
          `not used (${
            config.envFile ? "--restart none" : "no --env-file"
          }): the gateway is not recreated`,
        ),
      ];
    }
    const findings: Finding[] = [];
    const engine = await run(
      ["docker", "version", "--format", "{{.Server.Version}}"],
      { timeoutMs: 10_000 },
    );
    const reachable = engine.code === 0 && !engine.timedOut;
    findings.push(
      reachable
        ? finding(
          "docker",
          "ok",
          `engine ${engine.stdout.trim() || "(version unknown)"} reachable`,
        )
        : engine.code === 127
        ? finding(
          "docker",
          "fail",
          "the docker CLI is not on PATH",
          "install the Docker CLI (Debian: docker.io)",
        )
        : finding(
          "docker",
          "fail",
          `cannot reach the engine at ${
            Deno.env.get("DOCKER_HOST") ?? "unix:///var/run/docker.sock"
          }: ${tail(engine.stderr, 2) || `exit code ${engine.code}`}`,
          "start the engine, or let this user use it (docker group, DOCKER_HOST)",
        ),
    );
    const probe = await probeCompose(run);
    if (!probe) {
      findings.push(finding(
        "compose",
        "fail",
        "neither `docker compose` (v2) nor `docker-compose` (v1) runs",
        "install the compose plugin (Debian: docker-compose-plugin or docker-compose)",
      ));
      return findings;
    }
    findings.push(
      finding("compose", "ok", `${probe.variant}: ${probe.version}`),
    );
    let services: string[];
    try {
      services = (await compose(run, probe.variant, config, [
        "config",
        "--services",
      ])).split("\n").map((s) => s.trim()).filter(Boolean);
    } catch (err) {
      findings.push(finding(
        "compose project",
        "fail",
        messageOf(err),
        "point --compose-dir (and --compose-file, --compose-project) at the gateway's compose project",
      ));
      return findings;
    }
    if (!services.includes(config.service)) {
      findings.push(finding(
        "compose project",
        "fail",
        `no service ${config.service} in the project at ${config.composeDir} (services: ${
          services.join(", ") || "none"
        })`,
        "set --service to the gateway's service",
      ));
      return findings;
    }
    findings.push(finding(
      "compose project",
      "ok",
      `service ${config.service} found in ${config.composeDir}`,
    ));
    if (!reachable) return findings;
    try {
      const id = (await compose(run, probe.variant, config, [
        "ps",
        "-q",
        config.service,
      ])).trim().split("\n")[0];
      findings.push(
        id
          ? finding("gateway", "ok", `container ${id.slice(0, 12)} running`)
          : finding(
            "gateway",
            "warn",
            `${config.service} has no running container`,
            `start it: docker compose up -d ${config.service}`,
          ),
      );
    } catch (err) {
      findings.push(finding("gateway", "fail", messageOf(err)));
    }
    return findings;
  },
};

/** Resolves a host name with a time limit; an IP literal is itself. */
async function resolveWithin(
  resolve: DoctorContext["resolve"],
  host: string,
  ms: number,
): Promise<string[]> {
  if (isIP(host.replace(/^\[|\]$/g, ""))) return [host];
  return await within(resolve(host), ms, `no answer in ${ms} ms`);
}

/** Whether the token endpoints' host names resolve. */
const tokenEndpointCheck: Check = {
  name: "token endpoint",
  async run({ config, resolve }) {
    const urls = [
      ["token endpoint", config.tokenUrl],
      ["token fallback", config.tokenUrlFallback],
    ];
    return await Promise.all(urls.map(async ([check, url]) => {
      const host = new URL(url).hostname;
      try {
        const addresses = await resolveWithin(resolve, host, 5_000);
        return finding(
          check,
          "ok",
          `${host} resolves to ${addresses.join(", ")}`,
        );
      } catch (err) {
        return finding(
          check,
          "fail",
          `${host} does not resolve: ${messageOf(err)}`,
          `check DNS and the network: refreshing needs HTTPS to ${host}`,
        );
      }
    }));
  },
};

/** Whether a hook's program exists and may run. */
async function findProgram(name: string): Promise<string | undefined> {
  const candidates = isAbsolute(name) || name.includes("/")
    ? [name]
    : (Deno.env.get("PATH") ?? "").split(":").filter(Boolean).map((d) =>
      join(d, name)
    );
  for (const path of candidates) {
    const info = await Deno.stat(path).catch(() => undefined);
    if (info?.isFile && ((info.mode ?? 0) & 0o111) !== 0) return path;
  }
  return undefined;
}

/** The --on-change and --on-failure programs. */
const hooksCheck: Check = {
  name: "hooks",
  async run({ config }) {
    const hooks = [
      ["--on-change", config.onChange],
      ["--on-failure", config.onFailure],
    ].filter((h): h is [string, string] => h[1] !== undefined);
    return await Promise.all(hooks.map(async ([flag, command]) => {
      let program: string;
      try {
        program = splitCommand(command)[0];
      } catch (err) {
        return finding("hook", "fail", `${flag}: ${messageOf(err)}`);
      }
      const found = await findProgram(program);
      return found ? finding("hook", "ok", `${flag} runs ${found}`) : finding(
        "hook",
        "fail",
        `${flag}: ${program} is not an executable file on PATH`,
        "give the program's full path (no shell: write sh -c '...' for pipes)",
      );
    }));
  },
};

/** The last pass the state file records, and a running agent's /healthz. */
const agentCheck: Check = {
  name: "agent",
  async run({ config, state, now, fetch }) {
    const findings: Finding[] = [];
    const last = state?.lastPass;
    findings.push(
      !last
        ? finding("last pass", "ok", `none recorded in ${config.stateFile}`)
        : last.ok
        ? finding("last pass", "ok", `succeeded ${timeAgo(last.at, now)}`)
        : finding(
          "last pass",
          "warn",
          `failed ${timeAgo(last.at, now)} (${last.kind}): ${last.error}`,
        ),
    );
    const listen = config.metricsListen;
    if (listen) {
      const host = listen.hostname.includes(":")
        ? `[${listen.hostname}]`
        : listen.hostname;
      const url = `http://${host}:${listen.port}/healthz`;
      try {
        const r = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        const body = (await r.text()).trim();
        findings.push(finding(
          "healthz",
          r.ok ? "ok" : "warn",
          `${url} answers ${r.status}: ${body}`,
        ));
      } catch (err) {
        findings.push(finding(
          "healthz",
          "warn",
          `nothing answers at ${url} (${messageOf(err)})`,
          "start the watcher (systemctl start sync-oauth-token)",
        ));
      }
    }
    return findings;
  },
};

/** The delivery route to OpenClaw that this configuration takes and why; for a current OpenClaw, whether the fast direct route is open. */
const openclawCheck: Check = {
  name: "openclaw",
  async run({ config, run }) {
    const route = await routeFor(config, { run });
    const unsure = /cannot ask|did not answer/.test(route.why);
    const findings = [
      finding(
        "openclaw",
        unsure ? "warn" : "ok",
        `delivery route ${route.route}: ${route.why}`,
        unsure
          ? "start the gateway, or set --openclaw to the route you want"
          : undefined,
      ),
    ];
    if (route.route !== "cli") return findings;
    const access = await gatewayAccess(config);
    const database = config.openclawState &&
      storeDatabase(config.openclawState);
    const stored = database && await exists(database);
    findings.push(
      access && stored
        ? finding(
          "openclaw",
          "ok",
          `direct route open: ${database}, gateway ${access.url}`,
        )
        : finding(
          "openclaw",
          "warn",
          `direct route closed (${
            !config.openclawState
              ? "no --openclaw-state"
              : !stored
              ? `no ${database}`
              : "no gateway token"
          }): every delivery costs OpenClaw CLI start-ups of several seconds`,
          "set --openclaw-state to OpenClaw's state directory and make OPENCLAW_GATEWAY_TOKEN known",
        ),
    );
    return findings;
  },
};

/** Every check, in report order. */
export const CHECKS: readonly Check[] = [
  credentialsCheck,
  directoriesCheck,
  inotifyCheck,
  dockerCheck,
  openclawCheck,
  tokenEndpointCheck,
  hooksCheck,
  agentCheck,
];

/** Runs the checks concurrently; a check that throws is a failure of that check. */
export async function runDoctor(
  ctx: DoctorContext,
  checks: readonly Check[] = CHECKS,
): Promise<Finding[]> {
  const results = await Promise.all(
    checks.map((c) =>
      c.run(ctx).catch((err) => [
        finding(c.name, "fail", `check failed: ${messageOf(err)}`),
      ])
    ),
  );
  return results.flat();
}

/** Text with its line breaks and their indentation folded into single spaces. */
function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, " ");
}

/** The report: one line per finding, the fix after a semicolon. */
export function formatFindings(findings: Finding[]): string {
  return findings.map((f) =>
    `${f.verdict.toUpperCase().padEnd(4)}  ${f.check.padEnd(15)} ${
      oneLine(f.detail)
    }${f.fix ? `; fix: ${f.fix}` : ""}`
  ).join("\n");
}

/** 0 when nothing failed (warnings allowed), else 1. */
export function doctorExitCode(findings: Finding[]): number {
  return findings.some((f) => f.verdict === "fail")
    ? ExitCode.deliveryFailed
    : ExitCode.ok;
}

/** The doctor's real edges: processes, DNS, inotify, HTTP. */
export async function doctorContext(
  config: Config,
  run: Runner,
): Promise<DoctorContext> {
  return {
    config,
    run,
    now: Date.now(),
    state: await readState(config.stateFile!),
    resolve: async (host) =>
      (await lookup(host, { all: true })).map((a) => a.address),
    watchFs: (dir) => Deno.watchFs(dir, { recursive: false }),
    fetch,
  };
}
