/**
 * POSIX paths: the few `node:path` functions the tool uses, with the same
 * results (tests/unit/lib/path_test.ts compares them). `node:path` itself
 * starts Node's compatibility layer, which cost every start 14 ms and the
 * idle agent 1.5 MiB, beyond both budgets (docs/performance.md).
 */

/** The separator of PATH entries. */
export const delimiter = ":";

/** Whether a path is absolute. */
export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

/** The segments of a path without empty, `.` and resolvable `..` ones. */
function segments(path: string): string[] {
  const absolute = isAbsolute(path);
  const kept: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment !== "..") kept.push(segment);
    else if (kept.length > 0 && kept.at(-1) !== "..") kept.pop();
    else if (!absolute) kept.push("..");
  }
  return kept;
}

/** The paths joined with `/` and normalized; a trailing slash is kept. */
export function join(...paths: string[]): string {
  const path = paths.filter((p) => p !== "").join("/");
  if (path === "") return ".";
  const body = segments(path).join("/");
  const trailing = path.endsWith("/") ? "/" : "";
  if (isAbsolute(path)) return `/${body}${body ? trailing : ""}`;
  return body ? `${body}${trailing}` : `.${trailing}`;
}

/** The absolute path the paths resolve to, from right to left, the working directory last. */
export function resolve(...paths: string[]): string {
  let resolved = "";
  for (let i = paths.length - 1; i >= -1 && !isAbsolute(resolved); i--) {
    const path = i >= 0 ? paths[i] : Deno.cwd();
    if (path !== "") resolved = resolved ? `${path}/${resolved}` : path;
  }
  return `/${segments(resolved).join("/")}`;
}

/** The path up to its last separator, trailing separators ignored (`//` kept, as `node:path` does). */
export function dirname(path: string): string {
  if (path === "") return ".";
  const end = path.replace(/\/+$/, "").lastIndexOf("/");
  if (end === -1) return isAbsolute(path) ? "/" : ".";
  if (end === 0) return "/";
  if (end === 1 && path.startsWith("//")) return "//";
  return path.slice(0, end);
}

/** The last segment of the path, trailing separators ignored. */
export function basename(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}
