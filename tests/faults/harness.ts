/** The faults suite's frame: what a case is, the agents it starts, and the transcript the hygiene sweep scans. */
import { dirname } from "node:path";
import {
  MAIN,
  type Outcome,
  RUN_FLAGS,
  runCommand,
  Running,
  type TestLogin,
  testLogin,
  Workspace,
} from "../helpers/fixture.ts";
import { knownTokens, type Scanned } from "../helpers/hygiene.ts";

/** One case of the faults suite. */
export interface FaultCase {
  name: string;
  /** Runs the case; returns the figures that show it held, throws when it did not. */
  run(): Promise<string>;
  /** Time limit of the case (default 60 s). */
  timeoutMs?: number;
}

/** Every token the suite made (the scan's known tokens) and every text its processes printed or left, for the hygiene sweep. */
export const transcript = {
  tokens: knownTokens,
  texts: [] as Scanned[],
};

/** Keeps a text for the hygiene sweep. */
export function record(source: string, text: string): void {
  if (text) transcript.texts.push({ source, text });
}

/** A fresh test login whose tokens the hygiene sweep looks for. */
export function faultLogin(expiresInMs?: number): TestLogin {
  const login = testLogin(expiresInMs);
  transcript.tokens.add(login.accessToken);
  transcript.tokens.add(login.refreshToken);
  return login;
}

/** Runs the tool to completion (killed after 60 s, so no case hangs) and records what it printed; throws when that held a token. */
export async function runTool(
  ws: Workspace,
  args: string[],
  source: string,
): Promise<Outcome> {
  const out = await runCommand(
    [
      "timeout",
      "-s",
      "KILL",
      "60",
      Deno.execPath(),
      "run",
      ...RUN_FLAGS,
      MAIN,
      ...args,
    ],
    ws.env(),
  );
  record(`${source}: stdout`, out.stdout);
  record(`${source}: stderr`, out.stderr);
  return out;
}

const agents = new Set<Running>();

/** Starts the tool as a long-running agent; the runner kills any a case leaves behind. Its stderr is recorded even when its scan failed (the case awaiting it sees that). */
export function startAgent(
  ws: Workspace,
  args: string[],
  wrap: string[] = [],
  denoFlags: string[] = [],
): Running {
  const agent = Running.start(ws, args, wrap, denoFlags);
  agents.add(agent);
  agent.done.finally(() => {
    agents.delete(agent);
    record(`agent ${agent.child.pid}: stderr`, agent.stderr);
  }).catch(() => {});
  return agent;
}

/** Kills every agent still running (a case that failed midway); returns how many. A token in their output is left to the sweep. */
export async function killLeftAgents(): Promise<number> {
  const left = [...agents];
  for (const agent of left) {
    try {
      agent.child.kill("SIGKILL");
    } catch { /* already gone */ }
    await agent.done.catch(() => {});
  }
  return left.length;
}

/** A workspace with an env file and the oauth.json directory; removed by `using`-style cleanup in finally. */
export async function workspace(envText: string): Promise<Workspace> {
  const ws = await Workspace.create();
  await Deno.writeTextFile(ws.envFile, envText);
  await Deno.mkdir(dirname(ws.oauthJson), { recursive: true });
  return ws;
}

/** Records the workspace's docker log (argv of every spawned docker) and removes the workspace, which scans what is left in it. */
export async function dispose(ws: Workspace): Promise<void> {
  record(
    `${ws.root}: docker argv`,
    await Deno.readTextFile(ws.dockerLog).catch(() => ""),
  );
  await ws.cleanup();
}

/** Names of the temp files writeFileAtomic left in a directory. */
export function tempsIn(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
    /\.sot-[0-9a-f]{16}\.tmp$/.test(n)
  );
}

/** Waits the given milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Every path under a directory with its type and mode (files: size, mtime and inode too), to see what a run touched. */
export async function snapshot(root: string): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      const s = await Deno.lstat(path);
      const type = s.isSymlink ? "link" : s.isDirectory ? "dir" : "file";
      const content = s.isDirectory
        ? ""
        : ` ${s.size} ${s.mtime?.getTime()} ${s.ino}`;
      seen.set(path, `${type} ${s.mode?.toString(8)}${content}`);
      if (s.isDirectory) await walk(path);
    }
  };
  await walk(root);
  return seen;
}

/** Records that are not sinks: the tool's state directory (the state file, fingerprints only) and the fake docker's call log. */
const RECORDS = /\/(state(\/sync-oauth-token(\/state\.json)?)?|docker\.log)$/;

/** The paths created, removed or changed between two snapshots, except the allowed ones and the records. */
export function touched(
  before: Map<string, string>,
  after: Map<string, string>,
  allowed: string[],
): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((p) =>
    before.get(p) !== after.get(p) && !allowed.includes(p) && !RECORDS.test(p)
  ).sort();
}
