/** Doctor: whether watching the credentials directory works, and the inotify limits. */
import { dirname } from "../../lib/path.ts";
import { messageOf } from "../../lib/errors.ts";
import { formatDuration } from "../../lib/time.ts";
import { type Check, finding } from "./check.ts";

/** Deno lets a program read /proc/sys and other processes' /proc entries only with --allow-all. */
const UNREADABLE =
  "unknown (Deno reads /proc/sys only with --allow-all; `sysctl fs.inotify` shows them)";

/** The inotify limits in words (or why they are unknown), and the instances one user may hold. */
async function limits(): Promise<{ text: string; instances?: number }> {
  const read = (name: string) =>
    Deno.readTextFile(`/proc/sys/fs/inotify/${name}`).then((t) => t.trim());
  try {
    const [instances, watches, queued] = await Promise.all([
      read("max_user_instances"),
      read("max_user_watches"),
      read("max_queued_events"),
    ]);
    return {
      text:
        `max_user_instances ${instances}, max_user_watches ${watches}, max_queued_events ${queued}`,
      instances: Number(instances),
    };
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) {
      return { text: `inotify limits ${UNREADABLE}` };
    }
    return { text: `inotify limits unknown (${messageOf(err)})` };
  }
}

/** How many inotify instances this user's processes hold, from /proc/<pid>/fd; undefined when /proc may not be read. */
async function instancesInUse(uid: number): Promise<number | undefined> {
  let count = 0;
  try {
    for await (const proc of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(proc.name)) continue;
      const dir = `/proc/${proc.name}`;
      if ((await Deno.stat(dir).catch(() => undefined))?.uid !== uid) continue;
      const fds = await Array.fromAsync(Deno.readDir(`${dir}/fd`)).catch(
        () => [],
      );
      for (const fd of fds) {
        const link = await Deno.readLink(`${dir}/fd/${fd.name}`).catch(() =>
          ""
        );
        if (link === "anon_inode:inotify") count++;
      }
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) return undefined;
    throw err;
  }
  return count;
}

/** Whether watching the credentials directory works, and the inotify limits. */
export const inotifyCheck: Check = {
  name: "inotify",
  async run({ global, watchFs }) {
    const every = formatDuration(global.pollInterval);
    if (global.poll) {
      return [
        finding("inotify", "ok", `not used: --poll is set (every ${every})`),
      ];
    }
    const inUse = await instancesInUse(Deno.uid() ?? 0);
    const { text, instances } = await limits();
    const numbers = `${
      inUse === undefined
        ? "instances in use by this user unknown"
        : `${inUse} instances in use by this user`
    }; ${text}`;
    const raise =
      "raise it: sysctl -w fs.inotify.max_user_instances=512 (and persist it in /etc/sysctl.d)";
    const dir = dirname(global.credentials);
    try {
      watchFs(dir).close();
    } catch (err) {
      return [
        finding(
          "inotify",
          "warn",
          `watching ${dir} fails (${
            messageOf(err)
          }): the tool polls every ${every} instead; ${numbers}`,
          raise,
        ),
      ];
    }
    const tight = instances !== undefined && inUse !== undefined &&
      inUse >= instances - 1;
    return [
      finding(
        "inotify",
        tight ? "warn" : "ok",
        `watching works; ${numbers}`,
        tight ? raise : undefined,
      ),
    ];
  },
};
