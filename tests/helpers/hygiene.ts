/**
 * Secret hygiene of the test suites: every text a test's processes print or
 * leave behind is scanned for a full test token, and a find throws, naming the
 * source and the token's fingerprint, never the token.
 */
import { join, relative } from "node:path";
import { fingerprint } from "../../src/lib/fingerprint.ts";

/** Anything shaped like a full token. */
export const TOKEN_SHAPE = /sk-ant-o[ar]t01-[A-Za-z0-9_-]{20,}/;

/** Every test token and token body made in this process (`tokenBody` adds each body); found with or without its prefix. */
export const knownTokens = new Set<string>();

/** A text to scan and where it came from. */
export interface Scanned {
  source: string;
  text: string;
}

/** The first full token in a text: something shaped like one, or a known test token. */
function firstToken(text: string): string | undefined {
  const shaped = TOKEN_SHAPE.exec(text)?.[0];
  if (shaped !== undefined) return shaped;
  for (const token of knownTokens) if (text.includes(token)) return token;
  return undefined;
}

/** Throws when the text holds a full token, naming the source and the token's fingerprint. SOT_HYGIENE_LOG names a file that gets one line per scanned text. */
export function scanForTokens(source: string, text: string): void {
  const log = Deno.env.get("SOT_HYGIENE_LOG");
  if (log) {
    Deno.writeTextFileSync(log, `${source}\t${text.length}\n`, {
      append: true,
    });
  }
  const token = firstToken(text);
  if (token !== undefined) {
    throw new Error(
      `secret hygiene: a full test token (${fingerprint(token)}) in ${source}`,
    );
  }
}

/** Scans every text; throws at the first that holds a full token. */
export function scanAll(texts: Scanned[]): void {
  for (const { source, text } of texts) scanForTokens(source, text);
}

/** Scans what a finished process printed on stdout and stderr. */
export function scanOutput(
  command: string,
  out: { stdout: string; stderr: string },
): void {
  scanForTokens(`stdout of ${command}`, out.stdout);
  scanForTokens(`stderr of ${command}`, out.stderr);
}

/**
 * Files meant to hold a token, by name: credentials, env files (the compose
 * `.env`, the fake gateway's `container.env`, copies of them), oauth.json and
 * the OpenClaw auth stores, and the mock Messages API's record of the
 * Authorization headers it saw (`mock.jsonl`).
 */
const HOLDERS =
  /^(\.credentials\.json|.*\.env|.*oauth\.json|auth-profiles\.json|openclaw\.sqlite.*|mock\.jsonl)$/;

/** Every regular file under root except the token holders, as texts to scan (the fake docker's argv log among them). */
export async function leftovers(root: string): Promise<Scanned[]> {
  const found: Scanned[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && !HOLDERS.test(entry.name)) {
        found.push({
          source: `file ${relative(root, path)} left in ${root}`,
          text: new TextDecoder().decode(await Deno.readFile(path)),
        });
      }
    }
  };
  await walk(root);
  return found;
}
