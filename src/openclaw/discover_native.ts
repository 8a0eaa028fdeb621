/**
 * Discovery of a native OpenClaw (src/openclaw/native.ts found or was given
 * its state directory): the store there, its gateway on loopback with the
 * port and token of its openclaw.json, and `openclaw` on PATH.
 */
import { join } from "../lib/path.ts";
import { cliOf, configuredCli } from "./cli.ts";
import { found } from "./found.ts";
import type { GatewayReach } from "./gateway_ask.ts";
import { gatewayToken, openclawJson } from "./gateway_access.ts";
import { findNativeCli } from "./native.ts";
import {
  configured,
  directClosed,
  type DiscoverDeps,
  type DiscoverInput,
  type Discovery,
  stateVersion,
  storeKind,
  writeNote,
} from "./discovery.ts";

/** Discovers a native OpenClaw: the state directory configured (or found by the caller), its gateway, its CLI. */
export async function discoverNative(
  input: DiscoverInput,
  deps: DiscoverDeps,
): Promise<Discovery> {
  const looked: string[] = [];
  const notes: string[] = [];
  const stateDir = configured(input, deps, "openclawState");
  const store = await storeKind(stateDir?.value);
  const note = stateDir && await writeNote(stateDir.value, store, deps.uid);
  if (note) notes.push(note);
  let reach: GatewayReach | undefined;
  let closed: string | undefined;
  const token = stateDir && await gatewayToken({
    setting: configured(input, deps, "openclawGatewayToken"),
    env: deps.env,
    stateDir: stateDir.value,
  });
  if (stateDir && token) {
    const own = await openclawJson(stateDir.value);
    const url = configured(input, deps, "openclawGateway") ??
      (own.port
        ? found(
          `ws://127.0.0.1:${own.port}`,
          `gateway.port in ${join(stateDir.value, "openclaw.json")}`,
        )
        : found("ws://127.0.0.1:18789", "OpenClaw's default port"));
    reach = { kind: "ws", url, token };
  } else if (stateDir) {
    closed =
      "no gateway token is known (none in the settings, the environment, openclaw.json or OpenClaw's .env files): set --openclaw-gateway-token";
  }
  const given = configuredCli(input, deps.origins?.openclawCli);
  const onPath = given ? undefined : await findNativeCli(deps.env, stateDir);
  looked.push(...(onPath?.looked ?? []));
  const cli = given ? [given] : onPath?.cli ? [cliOf(onPath.cli, input)] : [];
  return {
    kind: "native",
    stateDir,
    store,
    version: stateVersion(stateDir?.value, store),
    reach,
    closed: directClosed(stateDir, store, note, closed, "native"),
    cli,
    notes,
    looked,
  };
}
