import { basename, dirname, join, resolve } from "node:path";

/** Largest file this tool reads: credentials and sinks are a few KiB. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** Fails unless the file is a regular file of at most MAX_FILE_BYTES. */
function assertReadable(path: string, info: Deno.FileInfo): void {
  if (!info.isFile) throw new Error(`${path} is not a regular file`);
  if (info.size > MAX_FILE_BYTES) {
    throw new Error(`${path} is larger than ${MAX_FILE_BYTES} bytes`);
  }
}

/** Reads a regular file as text; undefined when absent; throws on FIFOs, directories and oversized files. */
export async function readTextIfExists(
  path: string,
): Promise<string | undefined> {
  let file: Deno.FsFile;
  try {
    assertReadable(path, await Deno.stat(path));
    file = await Deno.open(path, { read: true });
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
        if (length > MAX_FILE_BYTES) {
          assertReadable(path, { ...info, size: length });
        }
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

/** The path a write should replace: a symlink is followed to its target, so the link stays. */
export async function writeTarget(path: string): Promise<string> {
  let target = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    try {
      if (!(await Deno.lstat(target)).isSymlink) return target;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return target;
      throw err;
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

/**
 * Replaces a file atomically: exclusive temp file in the same directory,
 * written, fsynced, renamed over the target, directory fsynced. The target's
 * mode and owner are kept; a new file gets mode 0600.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
): Promise<void> {
  const target = await writeTarget(path);
  const dir = dirname(target);
  let existing: Deno.FileInfo | undefined;
  try {
    existing = await Deno.stat(target);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const tmp = join(dir, `.${basename(target)}.sot-${randomHex(8)}.tmp`);
  const file = await Deno.open(tmp, {
    write: true,
    createNew: true,
    mode: 0o600,
  });
  try {
    try {
      const bytes = new TextEncoder().encode(text);
      for (let n = 0; n < bytes.length;) {
        n += await file.write(bytes.subarray(n));
      }
      if (existing) {
        await Deno.chmod(tmp, existing.mode! & 0o7777);
        const { uid, gid } = existing;
        if (
          uid !== null && gid !== null &&
          (uid !== Deno.uid() || gid !== Deno.gid())
        ) {
          await Deno.chown(tmp, uid, gid);
        }
      }
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, target);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  const d = await Deno.open(dir, { read: true });
  try {
    await d.sync();
  } finally {
    d.close();
  }
}
