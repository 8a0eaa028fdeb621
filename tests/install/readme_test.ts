/**
 * README.md as a new user follows it. Every ```sh block runs, in order, on a
 * scratch machine (tests/install/sandbox.ts) where user alice has a Claude
 * Code login and OpenClaw compose projects in ~/openclaw and
 * ~/openclaw-staging, `sudo` runs the command as root for her, `docker` is a
 * recording fake that plays the engine and the gateways' containers, and
 * `systemctl start` of the service runs one pass of its ExecStart as its User=
 * (what the service does first). A block that exits non-zero fails the test
 * with its output. Blocks marked illustrative (an `<!-- illustrative -->`
 * comment right before them, and "_Illustrative_" in sight) are not run.
 * `deno task test` is not run here: .ci/run runs it, as written.
 *
 * The options table and the doctor sample are checked against the code.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { camel, shownDefault, SPECS } from "../../src/config/options.ts";
import { credentialsJson, testLogin } from "../helpers/fixture.ts";
import { canSandbox, Sandbox } from "./sandbox.ts";
import { ROOT } from "./setup.ts";

const README = await Deno.readTextFile(join(ROOT, "README.md"));

interface Block {
  info: string;
  line: number;
  text: string;
  illustrative: boolean;
  /** The non-blank lines just before the fence. */
  before: string[];
}

/** The fenced code blocks of a markdown text. */
function blocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "```"; i++) body.push(lines[i]);
    const before = lines.slice(0, start).filter((l) => l.trim() !== "")
      .slice(-3);
    out.push({
      info: open[1],
      line: start + 1,
      text: body.join("\n"),
      illustrative: (before.at(-1) ?? "").includes("<!-- illustrative -->"),
      before,
    });
  }
  return out;
}

const SH = blocks(README).filter((b) => b.info === "sh");

Deno.test("README: shell examples are sh blocks; an illustrative one says so where the reader sees it", () => {
  const infos = new Set(blocks(README).map((b) => b.info));
  for (const info of infos) {
    assert.ok(["sh", "text", "yaml"].includes(info), `a ${info} block`);
  }
  assert.ok(SH.filter((b) => !b.illustrative).length >= 5);
  for (const b of SH.filter((b) => b.illustrative)) {
    assert.ok(
      b.before.some((l) => l.includes("_Illustrative_")),
      `README.md:${b.line}: marked illustrative without saying so`,
    );
  }
});

Deno.test("README: the options table lists every option of src/config/options.ts with its default", () => {
  const section = README.slice(
    README.indexOf("\n## Options\n"),
    README.indexOf("\n## ", README.indexOf("\n## Options\n") + 1),
  );
  const rows = section.split("\n").filter((l) => l.startsWith("| `--"));
  for (const flag of Object.keys(SPECS)) {
    const row = rows.find((r) => r.split("|")[1].includes(`\`--${flag}\``));
    assert.ok(row, `--${flag} has no row`);
    const target = SPECS[flag].scope === "target";
    assert.equal(
      row.split("|")[1].includes(`\`--${flag}\` †`),
      target,
      `--${flag}: † marks exactly the per-target options`,
    );
    const shown = shownDefault(flag);
    if (shown !== undefined) {
      assert.ok(
        row.split("|")[2].includes(`\`${shown}\``),
        `--${flag}: default ${shown} not in ${row}`,
      );
    }
  }
  for (const r of rows) {
    for (const [, flag] of r.split("|")[1].matchAll(/`--([a-z-]+)`/g)) {
      assert.ok(flag in SPECS, `--${flag} is not an option`);
      assert.ok(camel(flag));
    }
  }
});

/** The fake docker of alice's machine: records every call; plays compose v2 and one gateway container per project directory. */
function fakeDocker(state: string): string {
  return `#!/bin/sh
printf '%s %s\\n' "$(pwd)" "$*" >> ${state}/calls
project=$(basename "$(pwd)")
case "$*" in
  "version --format"*) echo 27.5.1; exit 0;;
  "compose version") echo "Docker Compose version v2.32.4"; exit 0;;
  "compose config --services") echo openclaw-gateway; exit 0;;
  "compose exec"*) echo 'exec: "openclaw": executable file not found in $PATH' >&2; exit 126;;
  "compose ps -q"*) [ -f ${state}/$project.env ] && echo "gw-$project"; exit 0;;
  "inspect gw-"*)
    id=\${2#gw-}
    printf '[{"Id":"gw-%s","Config":{"Env":[%s],"Labels":{}},"Mounts":[]}]\\n' "$id" "$(sed 's/.*/"&"/' ${state}/$id.env | paste -sd, -)"
    exit 0;;
  "compose up"*|"compose -p"*" up"*)
    grep '^[^#]*=' .env > ${state}/$project.env; exit 0;;
esac
exit 0
`;
}

/** systemctl: records the call; start/restart of the service runs one pass of its ExecStart as its User=. */
function fakeSystemctl(box: Sandbox, state: string): string {
  return `#!/bin/sh
printf '%s\\n' "$*" >> ${box.systemctlLog}
case "$1" in start|restart) ;; *) exit 0;; esac
case " $* " in *" sync-oauth-token.service "*) ;; *) exit 0;; esac
unit=/etc/systemd/system/sync-oauth-token.service
user=$(sed -n 's/^User=//p' $unit)
cmd=$(sed -n 's/^ExecStart=//p' $unit)
home=$(getent passwd "$user" | cut -d: -f6)
mkdir -p ${state}/state && chown "$user" ${state}/state
code=0
runuser -u "$user" -- env -i HOME="$home" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
  STATE_DIRECTORY=${state}/state NO_COLOR=1 $cmd --once >> ${state}/journal 2>&1 || code=$?
echo "exit $code" >> ${state}/journal
exit 0
`;
}

/** Alice's machine: her login, two OpenClaw compose projects, sudo, docker, systemctl, and the token hosts in /etc/hosts (no DNS here; doctor looks them up). */
function machine(state: string): string {
  const project = (dir: string) =>
    [
      `mkdir -p ${dir}`,
      `printf 'services:\\n  openclaw-gateway:\\n    image: ghcr.io/openclaw/openclaw\\n    env_file: .env\\n' > ${dir}/docker-compose.yml`,
      `printf 'OPENCLAW_GATEWAY_TOKEN=gw-example\\nANTHROPIC_OAUTH_TOKEN=\\n' > ${dir}/.env`,
      `chmod 600 ${dir}/.env`,
    ].join("\n");
  return [
    "useradd -m -s /bin/sh alice",
    "groupadd -f docker && usermod -aG docker alice",
    "mkdir -p /home/alice/.claude",
    `printf '%s' '${
      credentialsJson(testLogin())
    }' > /home/alice/.claude/.credentials.json`,
    "chmod 600 /home/alice/.claude/.credentials.json",
    project("/home/alice/openclaw"),
    project("/home/alice/openclaw-staging"),
    "chown -R alice: /home/alice",
    `mkdir -p ${state} && chmod 1777 ${state}`,
    `cp ${state}.docker /usr/local/bin/docker && chmod 755 /usr/local/bin/docker`,
    `printf '#!/bin/sh\\nexport SUDO_USER=alice\\nexec env "$@"\\n' > /usr/local/bin/sudo && chmod 755 /usr/local/bin/sudo`,
    "printf '198.51.100.7 platform.claude.com\\n198.51.100.8 console.anthropic.com\\n' >> /etc/hosts",
  ].join("\n");
}

Deno.test({
  name:
    "README: every sh block runs as shown, in order, on a machine like the reader's",
  ignore: !canSandbox,
  async fn() {
    const box = await Sandbox.create({ systemd: true });
    const state = join(box.dir, "machine");
    try {
      await Deno.writeTextFile(`${state}.docker`, fakeDocker(state));
      await Deno.writeTextFile(
        join(box.bin, "systemctl"),
        fakeSystemctl(box, state),
      );
      const setup = await box.run(machine(state));
      assert.equal(setup.code, 0, setup.stderr);

      const ci = await Deno.readTextFile(join(ROOT, ".ci/run"));
      const outputs: string[] = [];
      for (const b of SH.filter((b) => !b.illustrative)) {
        const script = b.text.split("\n").map((l) => {
          if (/^deno task test(\s+#.*)?$/.test(l)) {
            assert.match(ci, /^suite "deno task test" deno task test$/m);
            return ": deno task test is run by .ci/run";
          }
          return l;
        }).join("\n");
        const out = await box.run(`cd ${ROOT}\n${script}`, {
          HOME: "/home/alice",
          USER: "alice",
          LOGNAME: "alice",
          DENO_DIR: "/root/.cache/deno",
          NO_COLOR: "1",
        });
        assert.equal(
          out.code,
          0,
          `README.md:${b.line}: exit ${out.code}\n${b.text}\n--- stdout\n${out.stdout}\n--- stderr\n${out.stderr}`,
        );
        outputs.push(out.stdout + out.stderr);
      }

      // the service's first passes (systemctl start) delivered, as alice
      const journal = await Deno.readTextFile(join(state, "journal"));
      const exits = journal.split("\n").filter((l) => l.startsWith("exit "));
      assert.ok(exits.length >= 2, journal);
      assert.ok(exits.every((l) => l === "exit 0"), journal);
      const creds = JSON.parse(
        await Deno.readTextFile(
          box.path("/home/alice/.claude/.credentials.json"),
        ),
      );
      for (const p of ["openclaw", "openclaw-staging"]) {
        const env = await Deno.readTextFile(box.path(`/home/alice/${p}/.env`));
        assert.ok(
          env.includes(
            `ANTHROPIC_OAUTH_TOKEN=${creds.claudeAiOauth.accessToken}\n`,
          ),
          `${p}/.env does not hold the token`,
        );
      }

      // the doctor sample shows the checks a real run makes, in its order
      const sample = /A real run[^\n]*\n\n```text\n([\s\S]*?)```/.exec(README);
      assert.ok(sample, "the doctor sample");
      // (in the sample: the verdict in 6 columns, the check's name in 15)
      assert.ok(
        outputs.some((o) => /^OK {4}credentials /m.test(o)),
        "a README block runs doctor",
      );
      const json = await box.run("sync-oauth-token doctor --json || true", {
        HOME: "/home/alice",
      });
      const real = new Set(
        JSON.parse(json.stdout).findings.map((f: { check: string }) => f.check),
      );
      const shown = sample[1].split("\n").filter((l) =>
        /^(OK|WARN|FAIL) /.test(l)
      ).map((l) => l.slice(6, 21).trim());
      assert.ok(shown.length >= 10, sample[1]);
      for (const name of shown) {
        assert.ok(real.has(name), `"${name}" is not a check doctor makes`);
      }
    } finally {
      await box.cleanup();
    }
  },
});
