/**
 * What this host tells about the OpenClaw a target delivers to, and where
 * each part came from: its state directory (the settings, the compose
 * `.env`'s OPENCLAW_CONFIG_DIR, the running gateway container's mount of its
 * state, or a native install's ~/.openclaw), the auth store in it, how to
 * reach the running gateway's WebSocket API (directly, or from inside its
 * container), and the CLI prefixes to try. A compose target (a `.env` or a
 * compose directory is configured) is discovered through compose; any other
 * target as a native install. Discovery never picks between the two.
 */
import { discoverCompose } from "./discover_compose.ts";
import { discoverNative } from "./discover_native.ts";
import {
  type DiscoverDeps,
  type DiscoverInput,
  type Discovery,
  isComposeTarget,
} from "./discovery.ts";

/** Discovers a target's OpenClaw: through compose for a compose target, else as a native install. */
export function discover(
  input: DiscoverInput,
  deps: DiscoverDeps,
): Promise<Discovery> {
  return isComposeTarget(input)
    ? discoverCompose(input, deps)
    : discoverNative(input, deps);
}
