/** zod's verdict on untrusted input as one line a person can act on. */
import type { z } from "zod";

/** The first problem of a failed parse as `path.to.field: message`, `(root)` when it is the input itself. */
export function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue.path.join(".") || "(root)"}: ${issue.message}`;
}
