/**
 * POSIX path names, the few operations this tool needs. node:path would do
 * the same, but importing any `node:` module starts Deno's Node layer, which
 * costs the long-running agent about 5 MiB of memory.
 */

/** The path with `.`, `..` and repeated slashes folded away; "." when nothing is left of a relative path. */
export function normalize(path: string): string {
  const absolute = isAbsolute(path);
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") parts.push(part);
    else if (parts.length > 0 && parts.at(-1) !== "..") parts.pop();
    else if (!absolute) parts.push(part);
  }
  const joined = parts.join("/");
  return absolute ? `/${joined}` : joined || ".";
}

/** The parts joined with slashes, normalized. */
export function join(...parts: string[]): string {
  return normalize(parts.filter((p) => p !== "").join("/"));
}

/** The absolute path the parts name, read from the right, from the working directory when none is absolute. */
export function resolve(...parts: string[]): string {
  let path = "";
  for (let i = parts.length - 1; i >= 0 && !isAbsolute(path); i--) {
    if (parts[i] !== "") path = path ? `${parts[i]}/${path}` : parts[i];
  }
  return normalize(isAbsolute(path) ? path : `${Deno.cwd()}/${path}`);
}

/** Whether a path starts at the root. */
export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

/** The path without trailing slashes ("/" stays). */
function trimmed(path: string): string {
  const end = path.replace(/\/+$/, "");
  return end === "" && path.startsWith("/") ? "/" : end;
}

/** The directory part of a path: "." for a bare name, "/" for the root. */
export function dirname(path: string): string {
  const p = trimmed(path);
  const slash = p.lastIndexOf("/");
  if (slash < 0) return ".";
  return slash === 0 ? "/" : p.slice(0, slash);
}

/** The last part of a path. */
export function basename(path: string): string {
  const p = trimmed(path);
  return p === "/" ? "" : p.slice(p.lastIndexOf("/") + 1);
}
