/**
 * A machine to install on, without touching this one: commands run as root in
 * a private mount namespace where /etc, /usr/local and /root are overlays
 * whose changes land in a temporary directory, /home is an empty directory of
 * its own, and (with `systemd`) /run/systemd/system exists so install.sh
 * takes the systemd route. A stand-in `systemctl` records its calls. The
 * overlays keep their changes from one run to the next, as a machine would.
 *
 * Needs root (unshare -m, mount): the install tests run as root, as CI does.
 */
import { join } from "node:path";
import { type Outcome, runCommand } from "../helpers/fixture.ts";

const OVERLAID = ["etc", "usr/local", "root"];

/** Whether this process may make mount namespaces (root, with mount). */
export const canSandbox = Deno.uid() === 0 &&
  (await new Deno.Command("unshare", { args: ["-m", "true"] }).output()
    .then((o) => o.success, () => false));

export class Sandbox {
  private constructor(
    readonly dir: string,
    readonly systemd: boolean,
  ) {}

  /** A fresh machine: empty overlays, an empty /home, the stand-in systemctl. */
  static async create(opts: { systemd?: boolean } = {}): Promise<Sandbox> {
    const dir = await Deno.makeTempDir({ prefix: "sot-sandbox-" });
    await Deno.chmod(dir, 0o755);
    const box = new Sandbox(dir, opts.systemd ?? false);
    for (const d of OVERLAID) {
      await Deno.mkdir(join(dir, "upper", d), { recursive: true });
      await Deno.mkdir(join(dir, "work", d), { recursive: true });
    }
    await Deno.mkdir(join(dir, "home"));
    await Deno.mkdir(box.bin);
    await Deno.writeTextFile(
      join(box.bin, "systemctl"),
      `#!/bin/sh\nprintf '%s\\n' "$*" >> ${box.systemctlLog}\n`,
    );
    await Deno.chmod(join(box.bin, "systemctl"), 0o755);
    return box;
  }

  /** Stand-in programs, first on PATH. */
  get bin(): string {
    return join(this.dir, "bin");
  }

  /** The recorded systemctl calls, one per line. */
  get systemctlLog(): string {
    return join(this.dir, "systemctl.log");
  }

  async systemctlCalls(): Promise<string[]> {
    const text = await Deno.readTextFile(this.systemctlLog).catch(() => "");
    return text.split("\n").filter(Boolean);
  }

  /** A file of the machine as it is now (the overlay's change, else the host's own). */
  path(p: string): string {
    if (p.startsWith("/home/")) return join(this.dir, p);
    for (const d of OVERLAID) {
      if (p.startsWith(`/${d}/`)) return join(this.dir, "upper", p);
    }
    return p;
  }

  /** Runs a shell script as root on the machine (sh -eu), with the environment added; cwd is the repository. */
  run(script: string, env: Record<string, string> = {}): Promise<Outcome> {
    const mounts = [
      ...OVERLAID.map((d) =>
        `mount -t overlay overlay -o lowerdir=/${d},upperdir=${this.dir}/upper/${d},workdir=${this.dir}/work/${d} /${d}`
      ),
      `mount --bind ${this.dir}/home /home`,
      // no login on this machine but the ones a test makes
      "rm -rf /root/.claude",
      ...(this.systemd
        ? ["mount -t tmpfs tmpfs /run", "mkdir -p /run/systemd/system"]
        : []),
    ].join(" && ");
    return runCommand(
      [
        "unshare",
        "-m",
        "--propagation",
        "private",
        "sh",
        "-eu",
        "-c",
        `${mounts}\n${script}`,
      ],
      {
        PATH:
          `${this.bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
        HOME: "/root",
        ...env,
      },
    );
  }

  async cleanup(): Promise<void> {
    await Deno.remove(this.dir, { recursive: true });
  }
}
