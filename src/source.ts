import {
  type Credentials,
  looksMidWrite,
  parseCredentials,
} from "./credentials.ts";
import { messageOf, notPermitted, sourceInvalid } from "./errors.ts";
import { readTextIfExists } from "./files.ts";

/** How often, and how far apart, a half-written file is re-read before it counts as invalid. */
export const MID_WRITE_RETRIES = 4;
export const MID_WRITE_DELAY_MS = 50;

/** Reads and validates the credentials file, re-reading a file caught mid-write for about 200 ms. */
export async function readCredentials(path: string): Promise<Credentials> {
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
      await new Promise((r) => setTimeout(r, MID_WRITE_DELAY_MS));
      continue;
    }
    return parseCredentials(text, path);
  }
}
