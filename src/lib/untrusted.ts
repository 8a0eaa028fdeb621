/** Reading what another program wrote: zod's verdict in one line, and parts read leniently. */
import * as z from "./zod/zod.js";

/** The first problem of a failed parse as `path.to.field: message`, `(root)` when it is the input itself. */
export function firstProblem(
  error: { issues: readonly { path: PropertyKey[]; message: string }[] },
): string {
  const issue = error.issues[0];
  return `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`;
}

/** A part read when it is what it should be, else absent: one malformed part never spoils the rest. */
export function lenient<T extends z.Schema>(schema: T) {
  return z.catch(z.optional(schema), undefined);
}

/** The JSON a text holds, or undefined when it holds none (then a schema's parse names the problem). */
export function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
