/** Reading the credentials file: only from a private directory, and never half-written. */
import { dirname } from "../lib/path.ts";
import { readTextIfExists } from "../lib/files.ts";
import { messageOf, notPermitted, sourceInvalid } from "../lib/errors.ts";
import { sleep } from "../lib/time.ts";
import {
  type Credentials,
  looksMidWrite,
  parseCredentials,
} from "./credentials.ts";

/** How often, and how far apart, a half-written file is re-read before it counts as invalid. */
export const MID_WRITE_RETRIES = 4;
export const MID_WRITE_DELAY_MS = 50;

/**
 * Refuses credentials in a directory anyone may write to: anyone could then
 * plant a credentials file of their choosing. The sticky bit (as on /tmp)
 * does not help, since it only protects files that already exist.
 */
async function assertPrivateDirectory(path: string): Promise<void> {
  const dir = dirname(path);
  const mode = await Deno.stat(dir).then((s) => s.mode, () => null);
  if (mode === null || (mode & 0o002) === 0) return;
  const octal = (mode & 0o7777).toString(8).padStart(4, "0");
  const sticky = mode & 0o1000
    ? " (sticky like /tmp, which still lets anyone create the file before Claude Code does)"
    : "";
  throw sourceInvalid(
    `refusing ${path}: its directory ${dir} is world-writable, mode ${octal}${sticky}, so another local user could plant a login there; run chmod o-w ${dir} or keep the credentials elsewhere`,
  );
}

/** Reads and validates the credentials file, re-reading a file caught mid-write for about 200 ms. */
export async function readCredentials(path: string): Promise<Credentials> {
  await assertPrivateDirectory(path);
  for (let attempt = 0;; attempt++) {
    let text: string | undefined;
    try {
      text = await readTextIfExists(path);
    } catch (err) {
      throw notPermitted(err) ??
        sourceInvalid(`cannot read ${path}: ${messageOf(err)}`);
    }
    if (text === undefined) {
      throw sourceInvalid(
        `${path} does not exist: log in with \`claude\`, or point --credentials at the file`,
      );
    }
    if (looksMidWrite(text) && attempt < MID_WRITE_RETRIES) {
      await sleep(MID_WRITE_DELAY_MS);
      continue;
    }
    return parseCredentials(text, path);
  }
}
