import { join } from "../paths.ts";
import { heldManual, storeWithLogin } from "../openclaw/profiles.ts";
import { parseObject } from "./oauth_json.ts";
import type { FileSink } from "./sink.ts";

/** The auth-profiles.json of an older OpenClaw's main agent under its state directory. */
export function authProfilesPath(stateDir: string): string {
  return join(stateDir, "agents", "main", "agent", "auth-profiles.json");
}

/** The auth-profiles.json sink of older OpenClaw releases, which re-read it on every request. */
export function authProfilesSink(stateDir: string): FileSink {
  const path = authProfilesPath(stateDir);
  return {
    name: "auth-profiles",
    path,
    recreatesGateway: false,
    held: (text) => heldManual(parseObject(text, path)),
    render(text, login) {
      const next = storeWithLogin(parseObject(text, path), login, {
        order: true,
      });
      return next && {
        text: JSON.stringify(next, null, 2) + "\n",
        warnings: [],
      };
    },
    // OpenClaw writes the file under proper-lockfile's `<file>.lock`, stale after 30 s.
    lock: { path: `${path}.lock`, staleMs: 30_000 },
  };
}
