/**
 * What a pass would do for one target, decided without touching anything:
 * the file sinks of its route, and per sink whether the login changes it
 * (tokens compared, not bytes).
 */
import type { Login } from "../login/credentials.ts";
import type { Route } from "../openclaw/route.ts";
import { authProfilesSink } from "../sinks/auth_profiles.ts";
import { envFileSink } from "../sinks/env_file.ts";
import { oauthJsonSink } from "../sinks/oauth_json.ts";
import type { FileSink, Held, Rendered } from "../sinks/sink.ts";

/** The settings that name a target's files. */
export interface SinkSettings {
  envFile?: string;
  envKey: string;
  create: boolean;
  oauthJson?: string;
  openclawState?: string;
}

/** The file sinks of a delivery route, in delivery order. */
export function targetSinks(settings: SinkSettings, route: Route): FileSink[] {
  const env = settings.envFile
    ? [envFileSink(settings.envFile, settings.envKey, settings.create)]
    : [];
  switch (route) {
    case "cli":
      return [];
    case "auth-profiles":
      return settings.openclawState
        ? [authProfilesSink(settings.openclawState)]
        : [];
    case "legacy":
      return [
        ...(settings.oauthJson ? [oauthJsonSink(settings.oauthJson)] : []),
        ...env,
      ];
    case "env-only":
      return env;
  }
}

/** What one sink holds and its new text, or no text when it already holds the login. */
export interface Decision {
  held: Held;
  next?: Rendered;
}

/** Decides whether a sink's content would change, comparing tokens rather than bytes; throws when it must not be written. */
export function decide(
  sink: FileSink,
  text: string | undefined,
  login: Login,
): Decision {
  return { held: sink.held(text), next: sink.render(text, login) };
}
