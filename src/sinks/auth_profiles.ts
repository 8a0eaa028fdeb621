/** The auth-profiles.json of older OpenClaw releases, which re-read it on every request. */
import { authProfilesPath, heldManual, storeWithLogin } from "./auth_store.ts";
import { parseObject } from "./json_file.ts";
import type { FileSink } from "./sink.ts";

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
