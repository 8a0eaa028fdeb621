/** What a file system event in the credentials directory means: a new content, the directory gone, or a step toward a missing one. */
import { basename, dirname } from "../../lib/path.ts";

/** A file system event as Deno.watchFs reports it. */
export interface FsEvent {
  kind: string;
  paths: string[];
}

/**
 * Whether an event means the credentials file now holds a complete new
 * content: a rename onto the file, or CLOSE_WRITE (kind `access`) on it.
 * `create` alone is ignored like `modify`: the file is still empty then, and
 * its writer's CLOSE_WRITE follows. Temp names and locks never match.
 */
export function isRelevantEvent(event: FsEvent, target: string): boolean {
  switch (event.kind) {
    case "rename":
      return event.paths.at(-1) === target;
    case "access":
      return event.paths.includes(target);
    default:
      return false;
  }
}

/** Whether an event says the watched directory itself went away. */
export function isDirectoryGone(event: FsEvent, dir: string): boolean {
  return (event.kind === "remove" || event.kind === "rename") &&
    event.paths.includes(dir);
}

/** Whether an event in a parent directory may have created the next step toward `wanted`. */
export function mayCreatePath(
  event: FsEvent,
  watched: string,
  wanted: string,
): boolean {
  if (event.kind !== "create" && event.kind !== "rename") return false;
  return event.paths.some((p) =>
    dirname(p) === watched &&
    (wanted === p || wanted.startsWith(p + "/")) &&
    basename(p) !== ""
  );
}
