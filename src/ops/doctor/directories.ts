/** Doctor: every directory the tool writes in (a temp file and a rename), and whether each .env exists. */
import { dirname } from "../../lib/path.ts";
import { exists } from "../../lib/files.ts";
import { messageOf } from "../../lib/errors.ts";
import { type Check, finding } from "./check.ts";

/** Whether a directory accepts a new file: a temp file is made and removed. */
async function writable(dir: string): Promise<string | undefined> {
  try {
    const probe = await Deno.makeTempFile({ dir, prefix: ".sot-doctor-" });
    await Deno.remove(probe);
    return undefined;
  } catch (err) {
    return messageOf(err);
  }
}

/** Every directory the tool writes in, and each target's .env. */
export const directoriesCheck: Check = {
  name: "directories",
  async run({ global, targets }) {
    const roles = new Map<string, string[]>();
    const add = (path: string | undefined, role: string, isDir = false) => {
      if (!path) return;
      const dir = isDir ? path : dirname(path);
      roles.set(dir, [...(roles.get(dir) ?? []), role]);
    };
    add(global.credentials, "credentials: refresh write-back and locks");
    add(global.stateFile, "state file and restarts owed");
    for (const { settings: t } of targets) {
      const of = targets.length > 1 ? ` of ${t.name}` : "";
      add(t.envFile, `.env${of}`);
      add(t.oauthJson, `oauth.json${of}`);
    }
    const findings = await Promise.all(
      [...roles].map(async ([dir, what]) => {
        const problem = await writable(dir);
        const stateOnly = what.every((w) => w.startsWith("state file"));
        if (problem !== undefined && stateOnly && !(await exists(dir))) {
          return finding(
            "directory",
            "ok",
            `${dir} will be created at the first pass (${what.join(", ")})`,
          );
        }
        return problem === undefined
          ? finding(
            "directory",
            "ok",
            `${dir} is writable (${what.join(", ")})`,
          )
          : finding(
            "directory",
            "fail",
            `${dir} is not writable (${what.join(", ")}): ${problem}`,
            `create it, or run as a user who may write there (systemd: add it to ReadWritePaths)`,
          );
      }),
    );
    for (const { settings: t } of targets) {
      if (t.envFile && !t.create && !await exists(t.envFile)) {
        findings.push({
          ...finding(
            "env file",
            "fail",
            `${t.envFile} does not exist`,
            "point --env-file at the gateway's compose .env, or pass --create",
          ),
          target: t.name,
        });
      }
    }
    return findings;
  },
};
