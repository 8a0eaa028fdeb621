/** The flags of src/flags.sh, as the tests use them. */
import assert from "node:assert/strict";

const SCRIPT = new URL("../../src/flags.sh", import.meta.url).pathname;

/** The flags, with read and write limited to allowPaths and more programs allowed to run (both comma-separated) when given. */
export async function permissionFlags(
  allowPaths = "",
  allowRun = "",
): Promise<string[]> {
  const out = await new Deno.Command("sh", {
    args: [SCRIPT],
    env: { SOT_ALLOW_PATHS: allowPaths, SOT_ALLOW_RUN: allowRun },
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
}

/** The runtime flags among them (no config file, V8's memory settings), not the permissions: every test runs the tool with these. */
export async function runtimeFlags(): Promise<string[]> {
  return (await permissionFlags()).filter((f) =>
    !/^--(allow-|no-prompt$|quiet$)/.test(f)
  );
}
