/**
 * What a run learned of a target's OpenClaw and keeps for the next run: the
 * state file carries it, so a `--once` run (cron, a timer) does not probe
 * again what the last one found. Fingerprints and names only, never a token.
 */
import { lenient } from "../lib/untrusted.ts";
import * as z from "../lib/zod/zod.js";

/** The record kept per target. */
export const Learned = z.object({
  at: z.number(),
  /** The settings it was learned for (paths and names, no secret): another configuration learns anew. */
  key: lenient(z.string()),
  route: lenient(z.enum(["cli", "auth-profiles", "legacy", "env-only"])),
  /** Why that route, as the run that chose it said it. */
  why: lenient(z.string()),
  /** The gateway container the route was found for. */
  container: lenient(z.string()),
  /** The compose that found that container (`docker compose` or `docker-compose`). */
  compose: lenient(z.enum(["v1", "v2"])),
  /** The state directory discovery found (the auth-profiles route's file is in it). */
  state: lenient(z.string()),
  /** The OpenClaw version the gateway (or its store) reported. */
  version: lenient(z.string()),
  /** The CLI prefix that answered. */
  cli: lenient(z.array(z.string())),
  /** The fingerprint of the token last verified in use. */
  verified: lenient(z.string()),
});

/** What a run learned of a target's OpenClaw. */
export type Learned = z.infer<typeof Learned>;
