/**
 * install.sh on a machine (tests/install/sandbox.ts: this one, with /etc,
 * /usr/local, /root and /home kept apart): whose login the units serve, when
 * they start, and the source route's launcher run for real, as the service
 * user, offline, with exactly the shipped flags.
 *
 * Why a targeted subset and not all of tests/process through the launcher:
 * the process tests start `deno run <SOT_RUN_FLAGS> src/main.ts` themselves
 * (tests/helpers/fixture.ts), so they cannot run a launcher. `deno task
 * test` runs them under exactly the flags of src/flags.sh; the test
 * below proves the launcher hands Deno exactly those flags (argv recorded),
 * plus only --cached-only; the others run the installed
 * copy for real (delivery, a denied write, offline, as another user).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { credentialsJson, testLogin } from "../helpers/fixture.ts";
import { canSandbox, Sandbox } from "./sandbox.ts";
import { BIN, LIB, ROOT, VERSION } from "./setup.ts";

const ignore = !canSandbox;

/** A stand-in binary for the quick tests of user choice: the tool under the shipped flags. */
async function standin(box: Sandbox): Promise<string> {
  const flags = new TextDecoder().decode(
    (await new Deno.Command("sh", { args: [join(ROOT, "src/flags.sh")] })
      .output()).stdout,
  ).split("\n").filter(Boolean).join(" ");
  const path = join(box.dir, "sync-oauth-token");
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nexec ${Deno.execPath()} run ${flags} ${ROOT}/src/main.ts "$@"\n`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

/** Shell lines that give USER a Claude Code login at ~/.claude/.credentials.json. */
function login(user: string, home = `/home/${user}`): string {
  return [
    `id -u ${user} >/dev/null 2>&1 || useradd -m -d ${home} ${user}`,
    `mkdir -p ${home}/.claude`,
    `printf '%s' '${
      credentialsJson(testLogin())
    }' > ${home}/.claude/.credentials.json`,
    `chmod 600 ${home}/.claude/.credentials.json`,
    `chown -R ${user}: ${home}/.claude`,
  ].join("\n");
}

const install = (args: string) => `cd ${ROOT} && sh install.sh ${args}`;

Deno.test({
  name:
    "install.sh chooses whose login to serve: --user, the configured credentials' owner, sudo's user, the one login on the machine; never guesses between two",
  ignore,
  async fn() {
    const box = await Sandbox.create();
    try {
      const cron = () =>
        Deno.readTextFile(box.path("/etc/cron.d/sync-oauth-token"));
      const args = `--binary ${await standin(box)} --init cron`;

      const none = await box.run(install(args));
      assert.equal(none.code, 1, none.stdout);
      assert.match(
        none.stderr,
        /no Claude Code login found .*log in with `claude` first, or give --user NAME/,
      );

      const alice = await box.run(`${login("alice")}\n${install(args)}`);
      assert.equal(alice.code, 0, alice.stderr);
      assert.match(
        alice.stdout,
        /^user {7}alice \(owns \/home\/alice\/\.claude\/\.credentials\.json\)$/m,
      );
      assert.match(
        await cron(),
        /^\*\/5 \* \* \* \* alice \/usr\/local\/bin\/sync-oauth-token --once/m,
      );

      const two = await box.run(`${login("bob")}\n${install(args)}`);
      assert.equal(two.code, 1);
      assert.match(
        two.stderr,
        /several Claude Code logins: \/home\/alice\/\.claude\/\.credentials\.json \/home\/bob\/\.claude\/\.credentials\.json - choose whose with --user NAME/,
      );

      const sudo = await box.run(install(args), { SUDO_USER: "bob" });
      assert.equal(sudo.code, 0, sudo.stderr);
      assert.match(
        sudo.stdout,
        /^user {7}bob \(owns \/home\/bob\/\.claude\/\.credentials\.json\)$/m,
      );
      assert.match(await cron(), /^\*\/5 \* \* \* \* bob /m);

      const chosen = await box.run(install(`${args} --user alice`), {
        SUDO_USER: "bob",
      });
      assert.equal(chosen.code, 0, chosen.stderr);
      assert.match(await cron(), /^\*\/5 \* \* \* \* alice /m);

      const configured = await box.run(
        `${
          login("carol", "/srv/carol")
        }\nprintf 'SYNC_OAUTH_TOKEN_CREDENTIALS=/srv/carol/.claude/.credentials.json\\n' > /etc/sync-oauth-token/config.env\n${
          install(args)
        }`,
        { SUDO_USER: "bob" },
      );
      assert.equal(configured.code, 0, configured.stderr);
      assert.match(
        configured.stdout,
        /^user {7}carol \(owns \/srv\/carol\/\.claude\/\.credentials\.json, the configured credentials\)$/m,
      );

      const unknown = await box.run(install(`${args} --user nosuchuser`));
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /--user nosuchuser: no such user/);
    } finally {
      await box.cleanup();
    }
  },
});

/** A fake docker for alice: records its calls; compose v2, no OpenClaw CLI in the gateway. */
const fakeDocker =
  `mkdir -p /home/alice/bin && cat > /home/alice/bin/docker <<'EOF'
#!/bin/sh
printf '%s\\n' "$*" >> /home/alice/docker.log
case "$*" in
  "compose version") echo "Docker Compose version v2.test";;
  "compose exec"*) echo 'exec: "openclaw": executable file not found in $PATH' >&2; exit 126;;
esac
exit 0
EOF
chmod 755 /home/alice/bin/docker`;

Deno.test({
  name:
    "install.sh --from-source on a systemd machine: the units run as the login's owner and start only once there is somewhere to deliver; the launcher delivers as that user, offline",
  ignore,
  async fn() {
    const box = await Sandbox.create({ systemd: true });
    try {
      const first = await box.run(
        `groupadd -f docker\n${login("alice")}\n${fakeDocker}\n${
          install("--from-source")
        }`,
      );
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^program {4}from source: /m);
      assert.match(first.stdout, /^runs as {4}alice$/m);
      // a fresh config names no destination: the service would only fail
      assert.match(
        first.stdout,
        /^not started: \/usr\/local\/bin\/sync-oauth-token status says \(exit 2\):\n(?: {13}.*\n)*? {13}.*nothing to deliver to: set --env-file \(SYNC_OAUTH_TOKEN_ENV_FILE\)/m,
      );
      assert.deepEqual(await box.systemctlCalls(), [
        "daemon-reload",
        "enable sync-oauth-token.service sync-oauth-token-refresh.timer",
      ]);

      const second = await box.run(
        `printf 'SYNC_OAUTH_TOKEN_ENV_FILE=/home/alice/openclaw/.env\\n' >> /etc/sync-oauth-token/config.env
mkdir -p /home/alice/openclaw && printf 'ANTHROPIC_OAUTH_TOKEN=\\n' > /home/alice/openclaw/.env && chown -R alice: /home/alice/openclaw
${install("--from-source")}`,
      );
      assert.equal(second.code, 0, second.stderr);
      assert.match(
        second.stdout,
        /^installed {2}\/etc\/systemd\/system\/sync-oauth-token\.service$/m,
      );
      assert.match(
        second.stdout,
        /^started {4}sync-oauth-token\.service, sync-oauth-token-refresh\.timer \(as alice\)$/m,
      );
      // a compose target now: its recreate runs docker as alice
      assert.match(
        second.stdout,
        /^warning {4}alice is not in the docker group: recreating the gateway will fail \(sudo usermod -aG docker alice\)$/m,
      );
      assert.doesNotMatch(first.stdout, /docker group/);
      assert.deepEqual((await box.systemctlCalls()).slice(2), [
        "daemon-reload",
        "enable sync-oauth-token.service sync-oauth-token-refresh.timer",
        "restart sync-oauth-token.service sync-oauth-token-refresh.timer",
      ]);
      const unit = await Deno.readTextFile(
        box.path("/etc/systemd/system/sync-oauth-token.service"),
      );
      assert.match(unit, /^User=alice$/m);
      assert.match(
        unit,
        /^ReadWritePaths=-\/home\/alice\/\.claude -\/home\/alice\/\.openclaw -\/home\/alice\/openclaw$/m,
      );

      // as the service runs it: alice, no network, the config from /etc
      const run = await box.run(
        `unshare -n runuser -u alice -- env HOME=/home/alice PATH=/home/alice/bin:/usr/bin:/bin ${BIN} --once
unshare -n runuser -u alice -- env HOME=/home/alice ${BIN} --version`,
      );
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), VERSION);
      assert.match(run.stderr, /updated .*\/home\/alice\/openclaw\/\.env/);
      const env = await Deno.readTextFile(
        box.path("/home/alice/openclaw/.env"),
      );
      const creds = JSON.parse(
        await Deno.readTextFile(
          box.path("/home/alice/.claude/.credentials.json"),
        ),
      );
      assert.equal(
        env,
        `ANTHROPIC_OAUTH_TOKEN=${creds.claudeAiOauth.accessToken}\n`,
      );
      const docker = await Deno.readTextFile(
        box.path("/home/alice/docker.log"),
      );
      assert.match(
        docker,
        /^compose up -d --force-recreate --no-deps openclaw-gateway$/m,
      );
    } finally {
      await box.cleanup();
    }
  },
});

Deno.test({
  name:
    "the launcher runs Deno with exactly the flags of src/flags.sh (SOT_ALLOW_* applied at install, as for deno task compile), plus --cached-only",
  ignore,
  async fn() {
    const box = await Sandbox.create();
    const fake = join(box.dir, "deno");
    const argvLog = join(box.dir, "argv");
    await Deno.writeTextFile(
      fake,
      `#!/bin/sh
case "$1" in
  eval) echo "$0"; exit 0;;
  run) printf '%s\\n' "$@" > ${argvLog};;
esac
exec ${Deno.execPath()} "$@"
`,
    );
    await Deno.chmod(fake, 0o755);
    const allow = {
      SOT_ALLOW_PATHS: "/home/alice/.claude,/home/alice/openclaw",
      SOT_ALLOW_RUN: "notify-send",
      SOT_ALLOW_HOSTS: "openclaw-gateway",
    };
    try {
      const out = await box.run(
        `${login("alice")}\n${
          install(`--from-source --deno ${fake} --init cron`)
        }`,
        allow,
      );
      assert.equal(out.code, 0, out.stderr);
      assert.match(
        out.stdout,
        new RegExp(
          `^program {4}from source: ${BIN} runs ${LIB} with ${fake}$`,
          "m",
        ),
      );

      const flags = await new Deno.Command("sh", {
        args: [join(ROOT, "src/flags.sh")],
        env: allow,
      }).output();
      const expected = [
        "run",
        "--cached-only",
        ...new TextDecoder().decode(flags.stdout).split("\n").filter(Boolean),
        `${LIB}/src/main.ts`,
        "config",
        "--json",
      ];
      assert.ok(
        expected.includes(
          "--allow-write=/home/alice/.claude,/home/alice/.claude.lock,/home/alice/openclaw,/home/alice/openclaw.lock",
        ),
      );
      assert.ok(expected.some((f) => f.startsWith("--v8-flags=")));

      // the one .env outside the allowed directories: a denied write, named
      const run = await box.run(
        `mkdir -p /srv/other && printf 'ANTHROPIC_OAUTH_TOKEN=\\n' > /srv/other/.env
${BIN} config --json > /dev/null
cp ${argvLog} ${argvLog}.config
HOME=/home/alice ${BIN} --once --env-file /srv/other/.env --restart none || echo "exit $?"`,
      );
      assert.equal(run.code, 0, run.stderr);
      const argv = (await Deno.readTextFile(`${argvLog}.config`)).split("\n")
        .filter(Boolean);
      assert.deepEqual(argv, expected);
      assert.match(run.stdout, /^exit 2$/m);
      assert.match(
        run.stderr,
        /not permitted: .*\/srv\/other.*run again with the --allow-(read|write) flag/,
      );
    } finally {
      await box.cleanup();
    }
  },
});
