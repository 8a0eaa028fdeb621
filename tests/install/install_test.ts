/** install.sh into a temporary DESTDIR: files, modes, units (systemd-analyze verify), the user they run as, targets, idempotence, uninstall. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { runCommand as run } from "../helpers/fixture.ts";
import {
  assertUnitsVerify,
  BIN,
  CONF,
  CRON,
  exists,
  MANIFEST,
  mode,
  setup,
  snapshot,
  TARGETS,
  unitLines,
  UNITS,
  VERSION,
} from "./setup.ts";

/** Asserts every line is in the file, each as a whole line. */
function assertHasLines(lines: string[], want: string[], what: string) {
  for (const line of want) {
    assert.ok(lines.includes(line), `${what} lacks "${line}"`);
  }
}

Deno.test("install.sh (systemd): binary, config template, targets.d, units as the chosen user that verify", async () => {
  const t = await setup();
  try {
    const out = await t.install(
      "--binary",
      t.binary,
      "--init",
      "systemd",
      "--user",
      "root",
    );
    assert.equal(out.code, 0, out.stderr);
    for (
      const what of [
        `installed  ${BIN}`,
        `created    ${CONF}`,
        `program    a binary (${t.binary})`,
        "runs as    root",
        "not started: systemctl enable --now",
        "next: set where the token goes",
      ]
    ) assert.ok(out.stdout.includes(what), `${what}\n${out.stdout}`);

    assert.equal(await mode(t.file(BIN)), 0o755);
    assert.equal(await mode(t.file(CONF)), 0o600);
    assert.equal(await mode(t.file("/etc/sync-oauth-token")), 0o700);
    assert.equal(await mode(t.file(TARGETS)), 0o700);
    const version = await run([t.file(BIN), "--version"]);
    assert.equal(version.stdout.trim(), VERSION);

    const service = await unitLines(t, "sync-oauth-token.service");
    assertHasLines(service, [
      `ExecStart=${BIN} watch`,
      "User=root",
      "Group=root",
      "Restart=on-failure",
      "RestartPreventExitStatus=2",
      "StateDirectory=sync-oauth-token",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "ReadWritePaths=-/root/.claude -/root/.openclaw",
      "ProtectHome=read-only",
      "PrivateTmp=yes",
      "ProtectKernelTunables=yes",
      "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
      "WantedBy=multi-user.target",
    ], "the service");
    const refresh = await unitLines(t, "sync-oauth-token-refresh.service");
    assertHasLines(refresh, [
      `ExecStart=${BIN} refresh --once`,
      "Type=oneshot",
      "User=root",
      "StateDirectory=sync-oauth-token",
      "ReadWritePaths=-/root/.claude -/root/.openclaw",
    ], "the refresh service");
    assert.ok(!refresh.some((l) => l.startsWith("Restart")), "no Restart");
    const timer = await unitLines(t, "sync-oauth-token-refresh.timer");
    // Persistent= acts only with OnCalendar=: a missed run is caught up at boot
    assertHasLines(timer, [
      "OnCalendar=*-*-* 00/6:00:00",
      "RandomizedDelaySec=30min",
      "Persistent=true",
    ], "the timer");
    assert.ok(!timer.some((l) => /^On(Boot|UnitActive)Sec=/.test(l)));
    await assertUnitsVerify(t.dest);
    const next = await run([
      "systemd-analyze",
      "calendar",
      "--iterations=2",
      "*-*-* 00/6:00:00",
    ]);
    assert.match(next.stdout, /Iter\. #2: .* (0[06]|1[28]):00:00/);

    assert.deepEqual(
      (await Deno.readTextFile(t.file(MANIFEST))).trim().split("\n"),
      [
        `${UNITS}/sync-oauth-token-refresh.service`,
        `${UNITS}/sync-oauth-token-refresh.timer`,
        `${UNITS}/sync-oauth-token.service`,
        BIN,
      ],
    );
    assert.equal(await exists(t.file(CRON)), false);
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh --user: the units run as that user and group, with no capabilities; it may read the config, not write it", async () => {
  const t = await setup();
  try {
    const out = await t.install(
      "--binary",
      t.binary,
      "--init",
      "systemd",
      "--user",
      "daemon",
    );
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^runs as {4}daemon$/m);
    const group = (await run(["id", "-gn", "daemon"])).stdout.trim();
    const [, , , gid, , home] = (await run(["getent", "passwd", "daemon"]))
      .stdout.trim().split(":");
    for (
      const unit of [
        "sync-oauth-token.service",
        "sync-oauth-token-refresh.service",
      ]
    ) {
      const lines = await unitLines(t, unit);
      assertHasLines(lines, [
        "User=daemon",
        `Group=${group}`,
        "CapabilityBoundingSet=",
        `ReadWritePaths=-${home}/.claude -${home}/.openclaw`,
      ], unit);
    }
    // root's, readable by the service's group (it may hold the gateway's token)
    for (
      const [path, want] of [
        ["/etc/sync-oauth-token", 0o750],
        [TARGETS, 0o750],
        [CONF, 0o640],
      ] as const
    ) {
      const st = await Deno.stat(t.file(path));
      assert.equal(st.mode! & 0o777, want, path);
      assert.equal(st.uid, 0, path);
      assert.equal(st.gid, Number(gid), path);
    }
    await assertUnitsVerify(t.dest);
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh --user for a package: a user this machine lacks gets the primary group systemd gives it and a home said aloud", async () => {
  const t = await setup();
  try {
    const out = await t.install(
      "--binary",
      t.binary,
      "--init",
      "systemd",
      "--user",
      "sot-packaged",
    );
    assert.equal(out.code, 0, out.stderr);
    assert.match(
      out.stderr,
      /^note {7}no user sot-packaged on this machine: taking \/home\/sot-packaged as its home$/m,
    );
    assert.match(
      out.stdout,
      /^note {7}sot-packaged reads \/etc\/sync-oauth-token: give its group read access \(chgrp GROUP /m,
    );
    const lines = await unitLines(t, "sync-oauth-token.service");
    assertHasLines(lines, [
      "User=sot-packaged",
      "ReadWritePaths=-/home/sot-packaged/.claude -/home/sot-packaged/.openclaw",
    ], "the service");
    assert.ok(!lines.some((l) => l.startsWith("Group=")), "no Group=");
    assert.equal(await mode(t.file(CONF)), 0o600);
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh with DESTDIR: no --user is an error; the default init writes both the units and the cron file, probing nothing", async () => {
  const t = await setup();
  try {
    const noUser = await t.install("--binary", t.binary);
    assert.equal(noUser.code, 1);
    assert.match(noUser.stderr, /DESTDIR: give --user NAME/);
    assert.equal(await exists(t.file(BIN)), false);

    // this machine runs no systemd (no /run/systemd/system): a probe would pick cron alone
    assert.equal(await exists("/run/systemd/system"), false);
    const out = await t.install("--binary", t.binary, "--user", "daemon");
    assert.equal(out.code, 0, out.stderr);
    for (
      const unit of [
        "sync-oauth-token.service",
        "sync-oauth-token-refresh.timer",
      ]
    ) {
      assert.equal(await exists(t.file(`${UNITS}/${unit}`)), true, unit);
    }
    const cron = await Deno.readTextFile(t.file(CRON));
    assert.match(
      cron,
      /^\*\/5 \* \* \* \* daemon \/usr\/local\/bin\/sync-oauth-token --once --log-level warn$/m,
    );
    assert.doesNotMatch(out.stdout, /no cron daemon/);
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh: a second run changes nothing; uninstall removes exactly what it installed and keeps the config", async () => {
  const t = await setup();
  try {
    const marker = t.file("/etc/systemd/system/other.service");
    await Deno.mkdir(dirname(marker), { recursive: true });
    await Deno.writeTextFile(marker, "[Unit]\n");
    const args = ["--binary", t.binary, "--init", "systemd", "--user", "root"];
    assert.equal((await t.install(...args)).code, 0);
    const before = await snapshot(t.dest);
    const again = await t.install(...args);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /installed|created/);
    assert.match(again.stdout, new RegExp(`kept {7}${RegExp.escape(CONF)}`));
    assert.deepEqual(await snapshot(t.dest), before);

    const un = await t.install("--uninstall");
    assert.equal(un.code, 0, un.stderr);
    for (const gone of [BIN, MANIFEST, `${UNITS}/sync-oauth-token.service`]) {
      assert.equal(await exists(t.file(gone)), false, gone);
    }
    assert.equal(await exists(t.file(CONF)), true);
    assert.equal(await exists(t.file(TARGETS)), true);
    assert.equal(await exists(marker), true);
    assert.match(un.stdout, /kept {7}\/etc\/sync-oauth-token\/config.env/);
    const twice = await t.install("--uninstall");
    assert.equal(twice.code, 0);
    assert.match(twice.stdout, /nothing to uninstall/);
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh: an earlier version's manifest in the units' StateDirectory is taken over and removed (the service user may write there)", async () => {
  const t = await setup();
  try {
    const old = t.file("/var/lib/sync-oauth-token/installed");
    await Deno.mkdir(dirname(old), { recursive: true });
    await Deno.mkdir(t.file("/usr/local/bin"), { recursive: true });
    await Deno.writeTextFile(t.file("/usr/local/bin/old-thing"), "x");
    await Deno.writeTextFile(old, "/usr/local/bin/old-thing\n");
    const out = await t.install(
      "--binary",
      t.binary,
      "--init",
      "cron",
      "--user",
      "root",
    );
    assert.equal(out.code, 0, out.stderr);
    assert.equal(await exists(old), false);
    assert.match(
      await Deno.readTextFile(t.file(MANIFEST)),
      /^\/usr\/local\/bin\/old-thing$/m,
    );
    assert.equal((await t.install("--uninstall")).code, 0);
    assert.equal(await exists(t.file("/usr/local/bin/old-thing")), false);
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh: the configured directories and every target's (targets.d/NAME.env) become ReadWritePaths", async () => {
  const t = await setup();
  try {
    const args = ["--binary", t.binary, "--init", "systemd", "--user", "root"];
    assert.equal((await t.install(...args)).code, 0);
    await Deno.writeTextFile(
      t.file(CONF),
      'SYNC_OAUTH_TOKEN_CREDENTIALS="/home/op/.claude/.credentials.json"\nSYNC_OAUTH_TOKEN_ENV_FILE=/srv/openclaw/.env\nSYNC_OAUTH_TOKEN_OAUTH_JSON=/var/lib/oc/credentials/oauth.json\nSYNC_OAUTH_TOKEN_OPENCLAW_STATE=/home/oc/.openclaw/\n',
    );
    const out = await t.install(...args);
    assert.equal(out.code, 0, out.stderr);
    assert.match(
      out.stdout,
      /installed {2}\/etc\/systemd\/system\/sync-oauth-token.service/,
    );
    assertHasLines(await unitLines(t, "sync-oauth-token.service"), [
      "ReadWritePaths=-/home/op/.claude -/root/.openclaw -/srv/openclaw -/var/lib/oc/credentials -/home/oc/.openclaw",
    ], "the service");
    assert.match(await Deno.readTextFile(t.file(CONF)), /srv\/openclaw/);

    // targets: where the token goes moves into targets.d; each file's directories
    await Deno.writeTextFile(
      t.file(CONF),
      "SYNC_OAUTH_TOKEN_LOG_LEVEL=warn\n",
    );
    await Deno.writeTextFile(
      t.file(`${TARGETS}/staging.env`),
      "SYNC_OAUTH_TOKEN_ENV_FILE=/srv/staging/.env\n",
    );
    await Deno.writeTextFile(
      t.file(`${TARGETS}/prod.env`),
      "SYNC_OAUTH_TOKEN_ENV_FILE='/srv/prod/.env'\nSYNC_OAUTH_TOKEN_OPENCLAW_STATE=/srv/prod/state\n",
    );
    await Deno.writeTextFile(
      t.file(`${TARGETS}/notes.txt`),
      "SYNC_OAUTH_TOKEN_ENV_FILE=/not/a/target/.env\n",
    );
    const again = await t.install(...args);
    assert.equal(again.code, 0, again.stderr);
    assertHasLines(await unitLines(t, "sync-oauth-token.service"), [
      "ReadWritePaths=-/root/.claude -/root/.openclaw -/srv/prod -/srv/prod/state -/srv/staging",
    ], "the service");
    assertHasLines(await unitLines(t, "sync-oauth-token-refresh.service"), [
      "ReadWritePaths=-/root/.claude -/root/.openclaw -/srv/prod -/srv/prod/state -/srv/staging",
    ], "the refresh service");
    await assertUnitsVerify(t.dest);
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh: the config template's keys are all valid once uncommented, and the tool finds targets.d beside it", async () => {
  const t = await setup();
  try {
    assert.equal(
      (await t.install(
        "--binary",
        t.binary,
        "--init",
        "cron",
        "--user",
        "root",
      )).code,
      0,
    );
    const template = await Deno.readTextFile(t.file(CONF));
    const keys = template.split("\n").filter((l) =>
      /^#SYNC_OAUTH_TOKEN_/.test(l)
    );
    assert.ok(keys.length >= 18, `${keys.length} keys`);
    const live = join(t.dir, "live.env");
    await Deno.writeTextFile(live, keys.map((l) => l.slice(1)).join("\n"));
    const out = await run([t.binary, "config", "--json", "--config", live]);
    assert.equal(out.code, 0, out.stderr);
    const shown = JSON.stringify(JSON.parse(out.stdout));
    for (const l of keys) {
      const [key, value] = l.slice(1).split("=");
      assert.ok(
        shown.includes(
          `"${key}":{"value":"${value}","from":"${key} in ${live}"`,
        ),
        `${key}=${value} in ${shown}`,
      );
    }

    // the installed targets.d is the one beside the installed config
    await Deno.writeTextFile(
      t.file(`${TARGETS}/second.env`),
      "SYNC_OAUTH_TOKEN_ENV_FILE=/srv/second/.env\n",
    );
    const targets = await run([t.binary, "config", "--config", t.file(CONF)]);
    assert.equal(targets.code, 0, targets.stderr);
    assert.match(
      targets.stdout,
      /^# target second \(.*targets\.d\/second\.env\)$/m,
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh (cron) with --prefix: two cron entries as the user, uninstall removes them", async () => {
  const t = await setup();
  try {
    const args = [
      "--binary",
      t.binary,
      "--init",
      "cron",
      "--prefix",
      "/opt/sot",
      "--user",
      "nobody",
    ];
    const out = await t.install(...args);
    assert.equal(out.code, 0, out.stderr);
    const cron = await Deno.readTextFile(t.file(CRON));
    const entries = cron.split("\n").filter((l) => /^[*0-9]/.test(l));
    assert.deepEqual(entries, [
      "*/5 * * * * nobody /opt/sot/bin/sync-oauth-token --once --log-level warn",
      "17 */6 * * * nobody /opt/sot/bin/sync-oauth-token refresh --once --log-level warn",
    ]);
    assert.equal(await exists(t.file("/opt/sot/bin/sync-oauth-token")), true);
    assert.equal(await exists(t.file(UNITS)), false);
    assert.match(
      out.stdout,
      /^runs as {4}nobody, from \/etc\/cron\.d\/sync-oauth-token$/m,
    );
    const before = await snapshot(t.dest);
    assert.equal((await t.install(...args)).code, 0);
    assert.deepEqual(await snapshot(t.dest), before);
    assert.equal((await t.install("--uninstall")).code, 0);
    assert.equal(await exists(t.file(CRON)), false);
    assert.equal(await exists(t.file("/opt/sot/bin/sync-oauth-token")), false);
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh --url: downloads this OS and architecture's release and checks --sha256", async () => {
  const t = await setup();
  try {
    const arch = { x86_64: "x86_64", aarch64: "aarch64" }[Deno.build.arch];
    const releases = join(t.dir, "releases");
    await Deno.mkdir(releases);
    await Deno.copyFile(
      t.binary,
      join(releases, `sync-oauth-token-${arch}-linux`),
    );
    const sum = createHash("sha256").update(await Deno.readFile(t.binary))
      .digest("hex");
    const common = ["--init", "cron", "--user", "root"];

    const bad = await t.install(
      "--url",
      `file://${releases}/`,
      "--sha256",
      "0".repeat(64),
      ...common,
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /SHA-256 mismatch/);
    assert.equal(await exists(t.file(BIN)), false);

    const missing = await t.install(
      "--url",
      `file://${releases}/nothing-{arch}`,
      ...common,
    );
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      new RegExp(`download failed: file://.*/nothing-${arch}`),
    );

    const ok = await t.install(
      "--url",
      `file://${releases}/`,
      "--sha256",
      sum,
      ...common,
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /verified {3}SHA-256/);
    assert.equal(
      await Deno.readTextFile(t.file(BIN)),
      await Deno.readTextFile(t.binary),
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh: usage errors name the problem", async () => {
  const t = await setup();
  try {
    const unknown = await t.install("--frobnicate");
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown option --frobnicate/);
    const noFile = await t.install(
      "--binary",
      join(t.dir, "absent"),
      "--user",
      "root",
    );
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /no such file/);
    const noValue = await t.install("--binary");
    assert.match(noValue.stderr, /--binary needs a value/);
    const both = await t.install("--from-source", "--binary", t.binary);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /--from-source installs the source/);
    const init = await t.install("--init", "upstart");
    assert.match(init.stderr, /--init must be auto, systemd, cron or both/);
    for (const r of [unknown, noFile, noValue, both, init]) {
      assert.equal(r.code, 1);
    }
    assert.equal(await exists(t.dest), false, "nothing written");
  } finally {
    await t.cleanup();
  }
});
