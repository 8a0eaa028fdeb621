/**
 * An OpenClaw installed on this host (`npm install -g openclaw`, the gateway
 * a systemd user service): its state directory ($OPENCLAW_STATE_DIR, else
 * ~/.openclaw of the user the agent runs as, or of the credentials file's
 * owner when the agent runs as root for another user) and its CLI
 * (`openclaw` on PATH). Each place looked at is remembered, so that finding
 * nothing can say where it looked.
 */
import { delimiter, join, resolve } from "../lib/path.ts";
import { noDestination } from "../config/destination.ts";
import { exists } from "../lib/files.ts";
import type { Settings } from "../config/settings.ts";
import { type Found, found } from "./found.ts";

/** What native discovery looks at: the agent's environment, its user, and the credentials file. */
export interface NativeInput {
  env: Record<string, string | undefined>;
  /** The user the agent runs as (Deno.uid(); null where unknown). */
  uid: number | null;
  /** Claude Code's credentials file: its owner is the user a root agent serves. */
  credentials?: string;
}

/** A native OpenClaw's state directory, the user it belongs to, and where discovery looked. */
export interface NativeState {
  stateDir?: Found<string>;
  looked: string[];
}

/** A user from /etc/passwd: name and home. */
interface PasswdUser {
  name: string;
  home: string;
}

/** The /etc/passwd entry of a uid, when it can be read. */
async function passwdUser(uid: number): Promise<PasswdUser | undefined> {
  try {
    const line = (await Deno.readTextFile("/etc/passwd")).split("\n")
      .find((l) => l.split(":")[2] === String(uid));
    const parts = line?.split(":");
    return parts && { name: parts[0], home: parts[5] };
  } catch {
    return undefined;
  }
}

/** The state directory's name in a home: `.openclaw`, or `.openclaw-<profile>` under OPENCLAW_PROFILE. */
function profileDir(env: Record<string, string | undefined>): string {
  return env.OPENCLAW_PROFILE
    ? `.openclaw-${env.OPENCLAW_PROFILE}`
    : ".openclaw";
}

/** Whether a directory holds an OpenClaw state: its openclaw.json or its SQLite store. */
export async function holdsOpenClaw(dir: string): Promise<boolean> {
  return await exists(join(dir, "openclaw.json")) ||
    await exists(join(dir, "state", "openclaw.sqlite"));
}

/** One place a state directory may be, and where that idea came from. */
interface Candidate {
  dir: string;
  from: string;
}

/** The places to look, in order: the environment's, the credentials owner's home (root serving another user), the agent's home. */
async function candidates(input: NativeInput): Promise<{
  list: Candidate[];
  notes: string[];
}> {
  const { env } = input;
  const list: Candidate[] = [];
  const notes: string[] = [];
  if (env.OPENCLAW_STATE_DIR) {
    list.push({
      dir: env.OPENCLAW_STATE_DIR,
      from: "OPENCLAW_STATE_DIR of the agent's environment",
    });
  } else notes.push("OPENCLAW_STATE_DIR is not set");
  const profile = profileDir(env);
  if (env.OPENCLAW_HOME) {
    list.push({
      dir: join(env.OPENCLAW_HOME, profile),
      from: `OPENCLAW_HOME of the agent's environment`,
    });
  }
  if (input.uid === 0 && input.credentials) {
    const owner = await Deno.stat(input.credentials).then(
      (s) => s.uid,
      () => null,
    );
    const user = owner ? await passwdUser(owner) : undefined;
    if (user) {
      list.push({
        dir: join(user.home, profile),
        from: `~/${profile} of ${user.name}, who owns ${input.credentials}`,
      });
    }
  }
  const me = input.uid === null ? undefined : await passwdUser(input.uid);
  const home = env.HOME || me?.home;
  if (home) {
    list.push({
      dir: join(home, profile),
      from: `~/${profile} of ${
        me?.name ?? `uid ${input.uid}`
      }, the agent's user`,
    });
  }
  return { list, notes };
}

/** Finds a native OpenClaw's state directory: the first place that holds one. */
export async function findNativeState(
  input: NativeInput,
): Promise<NativeState> {
  const { list, notes } = await candidates(input);
  const looked = [...notes];
  for (const c of list) {
    if (await holdsOpenClaw(c.dir)) {
      return { stateDir: found(c.dir, c.from), looked };
    }
    looked.push(`${c.dir} (${c.from}) holds no openclaw.json`);
  }
  return { looked };
}

/**
 * Serves a native OpenClaw (issue 18) to each target that names nowhere to
 * deliver: its state directory, when found, becomes the target's, its
 * origin `found: …`; else the target keeps where it was looked for. A
 * target that names a destination is left as configured: discovery never
 * picks between a configured compose target and a native OpenClaw.
 */
export async function withNativeOpenClaw(
  settings: Settings,
  input: Omit<NativeInput, "credentials">,
): Promise<Settings> {
  for (const t of settings.targets) {
    if (!noDestination(t.settings)) continue;
    const native = await findNativeState({
      ...input,
      credentials: settings.global.credentials,
    });
    if (native.stateDir) {
      t.settings.openclawState = native.stateDir.value;
      t.origins.openclawState = `found: ${native.stateDir.from}`;
    } else t.looked = native.looked;
  }
  return settings;
}

/** The state directory `openclaw` run with this environment uses: $OPENCLAW_STATE_DIR, else .openclaw (or .openclaw-<profile>) in $OPENCLAW_HOME or $HOME. */
export function agentsStateDir(
  env: Record<string, string | undefined>,
): string | undefined {
  if (env.OPENCLAW_STATE_DIR) return resolve(env.OPENCLAW_STATE_DIR);
  const home = env.OPENCLAW_HOME || env.HOME;
  return home ? resolve(home, profileDir(env)) : undefined;
}

/** Whether a file is there and executable by someone. */
async function executable(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * The native CLI: `openclaw` on PATH, run by name (the name Deno's
 * --allow-run grants). Only for a state directory `openclaw` run by the
 * agent uses itself; a root agent serving another user's OpenClaw would
 * write that user's files as root.
 */
export async function findNativeCli(
  env: Record<string, string | undefined>,
  stateDir: Found<string> | undefined,
): Promise<{ cli?: Found<string[]>; looked: string[] }> {
  if (stateDir && resolve(stateDir.value) !== agentsStateDir(env)) {
    return {
      looked: [
        `\`openclaw\` run by this agent would not use ${stateDir.value} (${stateDir.from}) but ${
          agentsStateDir(env) ?? "no state directory"
        }: run sync-oauth-token as the user that OpenClaw belongs to, or set --openclaw-cli`,
      ],
    };
  }
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const path = join(dir, "openclaw");
    if (await executable(path)) {
      return {
        cli: found(["openclaw"], `openclaw on PATH (${path})`),
        looked: [],
      };
    }
  }
  return { looked: ["no `openclaw` on PATH"] };
}
