import { basename, dirname, join, resolve } from "./path.ts";
import {
  deliveryFailed,
  messageOf,
  notPermitted,
  SyncError,
} from "./errors.ts";
import { formatDuration } from "./time.ts";

/** Largest file this tool reads: credentials and sinks are a few KiB. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** How long opening a file to read may take: a FIFO swapped in after the check would block the open until a writer comes. */
const OPEN_LIMIT_MS = 2000;

/** The error of a file over MAX_FILE_BYTES. */
function tooLarge(path: string): Error {
  return new Error(`${path} is larger than ${MAX_FILE_BYTES} bytes`);
}

/** Throws when a file cannot be read as text: not a regular file, or too large. */
function assertReadable(path: string, info: Deno.FileInfo): void {
  if (!info.isFile) throw new Error(`${path} is not a regular file`);
  if (info.size > MAX_FILE_BYTES) throw tooLarge(path);
}

/**
 * Reads a regular file as text; undefined when absent; throws on FIFOs,
 * directories, devices and files over MAX_FILE_BYTES. The path is checked
 * before it is opened and the open file again after, and the open gives up
 * after OPEN_LIMIT_MS, so a FIFO swapped in at the last moment is refused
 * instead of hanging the pass.
 */
export async function readTextIfExists(
  path: string,
): Promise<string | undefined> {
  let file: Deno.FsFile;
  try {
    assertReadable(path, await Deno.stat(path));
    file = await openForReading(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  try {
    const info = await file.stat();
    assertReadable(path, info);
    let bytes = new Uint8Array(info.size + 1);
    let length = 0;
    for (;;) {
      if (length === bytes.length) {
        if (length > MAX_FILE_BYTES) throw tooLarge(path);
        const grown = new Uint8Array(Math.min(length * 2, MAX_FILE_BYTES + 1));
        grown.set(bytes);
        bytes = grown;
      }
      const n = await file.read(bytes.subarray(length));
      if (n === null) break;
      length += n;
    }
    return new TextDecoder().decode(bytes.subarray(0, length));
  } finally {
    file.close();
  }
}

/**
 * Opens a file to read, refusing it when the open takes longer than limitMs
 * (a FIFO without a writer); a late open is closed. The limit is an
 * AbortSignal.timeout: the pending open keeps the process alive, and a
 * `--once` loads no timer layer for it (docs/performance.md).
 */
export async function openForReading(
  path: string,
  limitMs = OPEN_LIMIT_MS,
): Promise<Deno.FsFile> {
  const opening = Deno.open(path, { read: true });
  const limit = AbortSignal.timeout(limitMs);
  try {
    return await new Promise<Deno.FsFile>((resolve, reject) => {
      opening.then(resolve, reject);
      limit.addEventListener("abort", () =>
        reject(
          new Error(
            `${path} did not open within ${
              formatDuration(limitMs)
            }: not a regular file (a FIFO?)`,
          ),
        ), { once: true });
    });
  } catch (err) {
    opening.then((file) => file.close(), () => {});
    throw err;
  }
}

/** Whether something exists at a path (following symbolic links). */
export async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** Whether a symbolic link may be written through: made by this user or by root, never by anyone else. */
function trustedLink(info: Deno.FileInfo): boolean {
  return info.uid === 0 || info.uid === Deno.uid();
}

/**
 * The path a write should replace: a symlink made by this user or root is
 * followed to its target, so the link stays; a link anyone else made (say, a
 * container sharing the directory) is refused, so the write cannot be
 * redirected onto another file.
 */
export async function writeTarget(path: string): Promise<string> {
  let target = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(target);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return target;
      throw err;
    }
    if (!info.isSymlink) return target;
    if (!trustedLink(info)) {
      throw new Error(
        `${target} is a symbolic link made by uid ${info.uid}, neither this user nor root: refusing to write through it`,
      );
    }
    target = resolve(dirname(target), await Deno.readLink(target));
  }
  throw new Error(`${path}: too many symbolic links`);
}

/** A random hex string for temp names. */
function randomHex(bytes: number): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** The start of the names of writeFileAtomic's temp files for a target; TEMP_TAIL follows. */
function tempPrefix(target: string): string {
  return `.${basename(target)}.sot-`;
}
const TEMP_TAIL = /^[0-9a-f]{16}\.tmp$/;

/**
 * Removes temp files an interrupted write of the target left (a killed
 * process), and anything planted under such a name: a link is removed, never
 * followed. Writers of one target are serialized (src/sink_lock.ts for sinks,
 * Claude Code's storage lock for the credentials file), so none is in use.
 */
async function removeLeftoverTemps(target: string): Promise<void> {
  const dir = dirname(target);
  const prefix = tempPrefix(target);
  for await (const entry of Deno.readDir(dir)) {
    const tail = entry.name.slice(prefix.length);
    if (entry.name.startsWith(prefix) && TEMP_TAIL.test(tail)) {
      await Deno.remove(join(dir, entry.name)).catch(() => {});
    }
  }
}

/** Where an inode lives. */
interface Inode {
  dev: number;
  ino: number | null;
}

/** Whether two stats are of the same inode: a name swapped for another file is not. */
function sameFile(a: Inode, b: Inode): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** The error of a temp file that is no longer the one this process wrote (its name stays the tool's own business). */
function tempReplaced(): Error {
  return new Error("its temp file was replaced by another process");
}

/**
 * Gives the temp file the mode and owner of the file it replaces, through a
 * descriptor of its own, opened without following links and checked to be
 * the file written, so a name swapped for a link cannot redirect the change.
 * Deno has no fchmod or fchown, so this takes node:fs's, loaded here on the
 * one path that needs it (the umask took bits the old file had, or the old
 * file has another owner): node:fs costs the agent 3.6 MiB of memory for
 * good (docs/performance.md).
 */
async function matchTemp(
  tmp: string,
  written: Deno.FileInfo,
  mode: number,
  owner: Deno.FileInfo,
): Promise<void> {
  const { closeSync, constants, fchmodSync, fchownSync, fstatSync, openSync } =
    await import("node:fs");
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = constants;
  let fd: number;
  try {
    fd = openSync(tmp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOENT" || code === "ELOOP") throw tempReplaced();
    throw err;
  }
  try {
    if (!sameFile(written, fstatSync(fd))) throw tempReplaced();
    fchmodSync(fd, mode);
    if (written.uid !== owner.uid || written.gid !== owner.gid) {
      fchownSync(fd, owner.uid!, owner.gid!);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the temp file through its own descriptor, with the mode and owner of
 * the file it replaces or 0600, and fsyncs it. The file is created new (a
 * link in its place is refused, not followed). Returns its inode.
 */
async function writeTemp(
  tmp: string,
  text: string,
  existing: Deno.FileInfo | undefined,
): Promise<Inode> {
  const mode = existing ? existing.mode! & 0o7777 : 0o600;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode });
  try {
    const bytes = new TextEncoder().encode(text);
    for (let done = 0; done < bytes.length;) {
      done += await file.write(bytes.subarray(done));
    }
    const written = await file.stat();
    const owner = existing ?? written;
    if (
      (written.mode! & 0o7777) !== mode || written.uid !== owner.uid ||
      written.gid !== owner.gid
    ) {
      await matchTemp(tmp, written, mode, owner);
    }
    await file.sync();
    return written;
  } finally {
    file.close();
  }
}

/** The name of a user from /etc/passwd, when it can be read. */
function userName(uid: number): string | undefined {
  try {
    const line = Deno.readTextFileSync("/etc/passwd").split("\n")
      .find((l) => l.split(":")[2] === String(uid));
    return line?.split(":")[0];
  } catch {
    return undefined;
  }
}

/** A user as people read it: `alice (uid 1000)`. */
export function describeUser(uid: number): string {
  const name = userName(uid);
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}

/**
 * Why a directory refuses a new file and how to fix it, naming the user this
 * process runs as and the directory's owner and mode; `then` (what became of
 * the file) goes before the fix. A replace needs a new file beside the old
 * one, so the directory, not the file, must be writable.
 */
export function unwritable(dir: string, then = ""): string {
  const me = Deno.uid() ?? 0;
  let owner = "";
  try {
    const info = Deno.statSync(dir);
    const mode = ((info.mode ?? 0) & 0o7777).toString(8).padStart(4, "0");
    owner = ` (owned by ${describeUser(info.uid ?? 0)}, mode ${mode})`;
  } catch { /* the directory itself cannot be looked at */ }
  return `the directory ${dir}${owner} is not writable by ${
    describeUser(me)
  }, which this tool runs as${then}; fix: run the tool as the directory's owner, or give ${
    userName(me) ?? `uid ${me}`
  } write access to ${dir}`;
}

/** Makes the directory's entries durable. */
async function syncDirectory(dir: string): Promise<void> {
  const d = await Deno.open(dir, { read: true });
  try {
    await d.sync();
  } finally {
    d.close();
  }
}

const warnedWide = new Set<string>();

/** A warning, once per process and path, that a file others may read keeps its wide mode. */
function wideModeWarnings(path: string, mode: number): string[] {
  if ((mode & 0o077) === 0 || warnedWide.has(path)) return [];
  warnedWide.add(path);
  const octal = (mode & 0o7777).toString(8).padStart(4, "0");
  return [
    `${path} has mode ${octal}, wider than 0600: other users can read the token; kept as it is (chmod 600 to narrow it)`,
  ];
}

/**
 * Replaces a file atomically: exclusive temp file in the same directory,
 * written, fsynced, renamed over the target, directory fsynced. The target's
 * mode and owner are kept; a new file gets mode 0600 whatever the umask.
 * Leftover temps of the target are removed first. A failure is a SyncError
 * naming the path and saying that the old file is unchanged: a throw means
 * the new text did not land. Returns warnings for the user: a mode wider than
 * 0600 (once per process), a directory that could not be synced.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
): Promise<string[]> {
  const fail = (err: unknown, tail = "") =>
    err instanceof SyncError ? err : notPermitted(err) ??
      deliveryFailed(
        err instanceof Deno.errors.PermissionDenied
          ? `cannot write ${path}: ${unwritable(dirname(resolve(path)), tail)}`
          : `cannot write ${path}: ${messageOf(err)}${tail}`,
      );
  let target: string;
  let existing: Deno.FileInfo | undefined;
  let tmp: string;
  try {
    target = await writeTarget(path);
    existing = await Deno.lstat(target).catch((err) => {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw err;
    });
    if (existing?.isSymlink) {
      throw new Error(`${target} became a symbolic link during the write`);
    }
    await removeLeftoverTemps(target);
    tmp = join(
      dirname(target),
      `${tempPrefix(target)}${randomHex(8)}.tmp`,
    );
  } catch (err) {
    throw fail(err, "; nothing was written");
  }
  const unchanged = existing
    ? `; ${path} is unchanged`
    : "; nothing was created";
  let written: Inode;
  try {
    written = await writeTemp(tmp, text, existing);
    const now = await Deno.lstat(tmp).catch(() => undefined);
    if (!now || !sameFile(written, now)) throw tempReplaced();
    await Deno.rename(tmp, target).catch((err) => {
      throw err instanceof Deno.errors.NotFound ? tempReplaced() : err;
    });
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw fail(err, unchanged);
  }
  const now = await Deno.lstat(target).catch(() => undefined);
  if (!now || !sameFile(written, now)) {
    throw fail(
      new Error(`${target} was replaced by another process during the write`),
    );
  }
  const warnings = existing ? wideModeWarnings(path, existing.mode!) : [];
  try {
    await syncDirectory(dirname(target));
  } catch (err) {
    warnings.push(
      `${path} was replaced, but its directory could not be synced to disk: ${
        messageOf(err)
      }`,
    );
  }
  return warnings;
}
