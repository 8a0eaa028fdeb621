/**
 * Whether each target has somewhere to deliver the token: a configured
 * destination, or a native OpenClaw found for it (src/openclaw/native.ts).
 */
import { usageError } from "../lib/errors.ts";
import type { Target } from "./settings.ts";

/** The settings that say whether a target has anywhere to deliver. */
export interface DestinationSettings {
  envFile?: string;
  oauthJson?: string;
  openclawState?: string;
  openclaw: string;
  openclawCli?: string;
  composeDir?: string;
}

/** Why a target has nowhere to deliver the token, naming the settings that would give it one; undefined when it has somewhere. */
export function noDestination(t: DestinationSettings): string | undefined {
  if (t.openclaw === "auth-profiles" && !t.openclawState) {
    return "--openclaw auth-profiles needs --openclaw-state (SYNC_OAUTH_TOKEN_OPENCLAW_STATE), OpenClaw's state directory";
  }
  if (
    t.envFile || t.oauthJson || t.openclawState || t.openclawCli ||
    t.composeDir
  ) return undefined;
  return "nothing to deliver to: set --env-file (SYNC_OAUTH_TOKEN_ENV_FILE) to the gateway's compose .env, or --openclaw-state (SYNC_OAUTH_TOKEN_OPENCLAW_STATE) to OpenClaw's state directory";
}

/** Refuses to deliver when a target has nowhere to deliver to: a usage error naming the settings, and where a native OpenClaw was looked for. */
export function assertDestinations(targets: Target[]): void {
  for (const t of targets) {
    const missing = noDestination(t.settings);
    if (!missing) continue;
    const of = t.file ? ` (target ${t.settings.name}, ${t.file})` : "";
    const native = t.looked
      ? `; no native OpenClaw found either (${t.looked.join("; ")})`
      : "";
    throw usageError(`${missing}${of}${native}`);
  }
}
