/** How the login reaches OpenClaw: its own CLI, its auth-profiles.json, or the classic files. */
export type Route = "cli" | "auth-profiles" | "legacy" | "env-only";

/** The --openclaw setting: a route, or auto to ask the gateway. */
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

/** Picks the delivery route from the setting, what the probe found and what is configured. */
export function chooseRoute(
  setting: RouteSetting,
  probe: Probe | undefined,
  config: { oauthJson?: string; openclawState?: string },
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
          `${probe.version} keeps auth-profiles.json, but --openclaw-state is not set`,
        );
    case "absent":
    case "unreachable":
      return classic(config.oauthJson, probe.why);
    case undefined:
      return classic(config.oauthJson, "no OpenClaw CLI to ask");
  }
}
