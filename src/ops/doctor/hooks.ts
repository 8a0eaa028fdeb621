/** Doctor: per target, whether the --on-change and --on-failure programs exist and may run. */
import { isAbsolute, join } from "../../lib/path.ts";
import { messageOf } from "../../lib/errors.ts";
import { splitCommand } from "../hooks.ts";
import { finding, perTarget } from "./check.ts";

/** The executable file a program name runs, searched on PATH; undefined when there is none. */
async function findProgram(name: string): Promise<string | undefined> {
  const candidates = isAbsolute(name) || name.includes("/")
    ? [name]
    : (Deno.env.get("PATH") ?? "").split(":").filter(Boolean).map((d) =>
      join(d, name)
    );
  for (const path of candidates) {
    const info = await Deno.stat(path).catch(() => undefined);
    if (info?.isFile && ((info.mode ?? 0) & 0o111) !== 0) return path;
  }
  return undefined;
}

/** The hook programs: found, and allowed by the tool's permissions. */
export const hooksCheck = perTarget("hooks", async ({ settings: t }) => {
  const hooks = [
    ["--on-change", t.onChange],
    ["--on-failure", t.onFailure],
  ].filter((h): h is [string, string] => h[1] !== undefined);
  return await Promise.all(hooks.map(async ([flag, command]) => {
    let program: string;
    try {
      program = splitCommand(command)[0];
    } catch (err) {
      return finding("hook", "fail", `${flag}: ${messageOf(err)}`);
    }
    const found = await findProgram(program);
    if (!found) {
      return finding(
        "hook",
        "fail",
        `${flag}: ${program} is not an executable file on PATH`,
        "give the program's full path (no shell: write sh -c '...' for pipes)",
      );
    }
    const allowed = await Deno.permissions.query({
      name: "run",
      command: program,
    });
    return allowed.state === "granted"
      ? finding("hook", "ok", `${flag} runs ${found}`)
      : finding(
        "hook",
        "fail",
        `${flag}: ${program} may not run: the tool's permissions (--allow-run) do not list it`,
        `allow it with SOT_ALLOW_RUN=${program} in the environment of \`deno task start\`, or when building with \`deno task compile\` or install.sh`,
      );
  }));
});
