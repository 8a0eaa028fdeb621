/**
 * What a run learned of a target's OpenClaw and keeps for the next run: the
 * state file carries it, so a `--once` run (cron, a timer) does not probe
 * again what the last one found. Fingerprints and names only, never a token.
 */
import { z } from "zod";

/** The record kept per target. */
export const Learned = z.object({
  at: z.number(),
  /** The settings it was learned for (paths and names, no secret): another configuration learns anew. */
  key: z.string().optional().catch(undefined),
  route: z.enum(["cli", "auth-profiles", "legacy", "env-only"]).optional()
    .catch(undefined),
  /** Why that route, as the run that chose it said it. */
  why: z.string().optional().catch(undefined),
  /** The gateway container the route was found for. */
  container: z.string().optional().catch(undefined),
  /** The OpenClaw version the gateway (or its store) reported. */
  version: z.string().optional().catch(undefined),
  /** The CLI prefix that answered. */
  cli: z.array(z.string()).optional().catch(undefined),
  /** The fingerprint of the token last verified in use. */
  verified: z.string().optional().catch(undefined),
});

/** What a run learned of a target's OpenClaw. */
export type Learned = z.infer<typeof Learned>;
