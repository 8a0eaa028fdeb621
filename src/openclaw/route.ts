/** How the login reaches OpenClaw: its own store (directly or through its CLI), its auth-profiles.json, or the classic files. */
export type Route = "cli" | "auth-profiles" | "legacy" | "env-only";

/** The --openclaw setting: a route, or auto to find out. */
export type RouteSetting = "auto" | Route;

/** What asking the gateway's OpenClaw CLI found. */
export type Probe =
  | { kind: "current"; version: string }
  | { kind: "old"; version: string }
  | { kind: "absent"; why: string }
  | { kind: "unreachable"; why: string };

/** The chosen route and, in words, why. */
export interface RouteChoice {
  route: Route;
  why: string;
}

/** The classic route: oauth.json + .env + recreate, or .env alone without oauth.json. */
function classic(oauthJson: string | undefined, why: string): RouteChoice {
  return oauthJson
    ? { route: "legacy", why: `${why}: classic oauth.json + .env + recreate` }
    : { route: "env-only", why: `${why}: .env + recreate` };
}

/** Which auth store a state directory holds: a current SQLite store, an older auth-profiles.json, or neither. */
export type StoreKind = "sqlite" | "auth-profiles" | undefined;

/** The route a store found on disk decides without asking any CLI: a current store takes OpenClaw's own route, an older auth-profiles.json is written directly. */
export function routeOfStore(
  store: StoreKind,
  stateDir: { value: string; from: string } | undefined,
): RouteChoice | undefined {
  if (!stateDir) return undefined;
  if (store === "sqlite") {
    return {
      route: "cli",
      why:
        `a current OpenClaw: ${stateDir.value}/state/openclaw.sqlite (${stateDir.from})`,
    };
  }
  if (store === "auth-profiles") {
    return {
      route: "auth-profiles",
      why:
        `an older OpenClaw: ${stateDir.value}/agents/main/agent/auth-profiles.json (${stateDir.from})`,
    };
  }
  return undefined;
}

/**
 * Picks the delivery route from the setting, what the probe found, the store
 * on disk and what is configured. An older OpenClaw gets auth-profiles.json
 * created only in a state directory the user named (`openclawState`); one
 * discovery found without that file (`foundState`) is named in the reason.
 */
export function chooseRoute(
  setting: RouteSetting,
  probe: Probe | undefined,
  config: { oauthJson?: string; openclawState?: string; foundState?: string },
  store?: StoreKind,
): RouteChoice {
  if (setting !== "auto") {
    return { route: setting, why: `--openclaw ${setting}` };
  }
  switch (probe?.kind) {
    case "current":
      return {
        route: "cli",
        why: `${probe.version} has \`models auth paste-token\``,
      };
    case "old":
      return config.openclawState
        ? {
          route: "auth-profiles",
          why:
            `${probe.version} keeps auth-profiles.json and its paste-token cannot read a pipe`,
        }
        : classic(
          config.oauthJson,
          config.foundState
            ? `${probe.version} keeps auth-profiles.json, but ${config.foundState} holds none yet (--openclaw-state ${config.foundState} has it created)`
            : `${probe.version} keeps auth-profiles.json, but --openclaw-state is not set`,
        );
    case "absent":
    case "unreachable":
    case undefined: {
      const why = probe?.why ?? "no OpenClaw CLI to ask";
      if (store === "sqlite") {
        return {
          route: "cli",
          why:
            `${why}, but --openclaw-state holds a current store (the classic files would not reach it)`,
        };
      }
      if (store === "auth-profiles") {
        return {
          route: "auth-profiles",
          why: `${why}; --openclaw-state holds auth-profiles.json`,
        };
      }
      return classic(config.oauthJson, why);
    }
  }
}
