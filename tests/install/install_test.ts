/** install.sh into a temporary DESTDIR: files, modes, units (systemd-analyze verify), idempotence, uninstall. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import denoJson from "../../deno.json" with { type: "json" };
import { runCommand as run } from "../helpers/fixture.ts";
import { permissionFlags } from "./flags.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const INSTALL = join(ROOT, "install.sh");
const BIN = "/usr/local/bin/sync-oauth-token";
const CONF = "/etc/sync-oauth-token/config.env";
const UNITS = "/etc/systemd/system";
const MANIFEST = "/var/lib/sync-oauth-token/installed";

/** A temporary DESTDIR and a stand-in binary: the tool run by Deno under the baked permissions. */
async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "sot-install-" });
  const dest = join(dir, "root");
  const binary = join(dir, "sync-oauth-token");
  const flags = (await permissionFlags()).join(" ");
  await Deno.writeTextFile(
    binary,
    `#!/bin/sh\nexec ${Deno.execPath()} run ${flags} ${ROOT}src/main.ts "$@"\n`,
  );
  await Deno.chmod(binary, 0o755);
  const install = (...args: string[]) =>
    run(["sh", INSTALL, ...args], {
      DESTDIR: dest,
      PATH: Deno.env.get("PATH")!,
    });
  const file = (path: string) => join(dest, path);
  const cleanup = () => Deno.remove(dir, { recursive: true });
  return { dir, dest, binary, install, file, cleanup };
}

/** Every file under root: path, mode, mtime and a hash of the content. */
async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = join(dir, e.name);
      const st = await Deno.lstat(p);
      if (e.isDirectory) {
        out[p] = `dir ${st.mode! & 0o7777}`;
        await walk(p);
      } else {
        const hash = createHash("sha256").update(await Deno.readFile(p))
          .digest("hex");
        out[p] = `${st.mode! & 0o7777} ${st.mtime?.getTime()} ${hash}`;
      }
    }
  };
  await walk(root);
  return out;
}

async function mode(path: string): Promise<number> {
  return (await Deno.stat(path)).mode! & 0o777;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/** Runs systemd-analyze verify on the units inside root (with the system's own units copied in). */
async function verifyUnits(root: string, units: string[]) {
  const lib = join(root, "usr/lib/systemd/system");
  await Deno.mkdir(dirname(lib), { recursive: true });
  const cp = await run(["cp", "-r", "/lib/systemd/system", lib]);
  assert.equal(cp.code, 0, cp.stderr);
  try {
    return await run([
      "systemd-analyze",
      "verify",
      `--root=${root}`,
      ...units.map((u) => join(UNITS, u)),
    ]);
  } finally {
    await Deno.remove(join(root, "usr/lib"), { recursive: true });
  }
}

Deno.test("install.sh (systemd): binary, config template, hardened units that verify", async () => {
  const t = await setup();
  try {
    const out = await t.install("--binary", t.binary, "--init", "systemd");
    assert.equal(out.code, 0, out.stderr);
    for (
      const what of [
        `installed  ${BIN}`,
        `created    ${CONF} (mode 0600)`,
        "not started: systemctl enable --now",
        "next: edit",
      ]
    ) assert.match(out.stdout, new RegExp(RegExp.escape(what)));

    assert.equal(await mode(t.file(BIN)), 0o755);
    assert.equal(await mode(t.file(CONF)), 0o600);
    assert.equal(await mode(t.file("/etc/sync-oauth-token")), 0o700);
    const version = await run([t.file(BIN), "--version"]);
    assert.equal(version.stdout.trim(), denoJson.version);

    const service = await Deno.readTextFile(
      t.file(`${UNITS}/sync-oauth-token.service`),
    );
    for (
      const line of [
        `ExecStart=${BIN} watch`,
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=-/root/.claude",
        "PrivateTmp=yes",
        "ProtectKernelTunables=yes",
        "ProtectKernelModules=yes",
        "ProtectKernelLogs=yes",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
        "WantedBy=multi-user.target",
      ]
    ) assert.ok(service.split("\n").includes(line), line);
    const refresh = await Deno.readTextFile(
      t.file(`${UNITS}/sync-oauth-token-refresh.service`),
    );
    assert.match(
      refresh,
      /^ExecStart=\/usr\/local\/bin\/sync-oauth-token refresh --once$/m,
    );
    assert.match(refresh, /^Type=oneshot$/m);
    assert.doesNotMatch(refresh, /^Restart/m);
    const timer = await Deno.readTextFile(
      t.file(`${UNITS}/sync-oauth-token-refresh.timer`),
    );
    for (const line of ["OnUnitActiveSec=6h", "Persistent=true"]) {
      assert.ok(timer.split("\n").includes(line), line);
    }
    assert.match(timer, /^RandomizedDelaySec=\S+$/m);

    const verify = await verifyUnits(t.dest, [
      "sync-oauth-token.service",
      "sync-oauth-token-refresh.service",
      "sync-oauth-token-refresh.timer",
    ]);
    assert.equal(verify.code, 0, verify.stderr);
    assert.equal(verify.stderr + verify.stdout, "", "systemd-analyze warnings");

    assert.deepEqual(
      (await Deno.readTextFile(t.file(MANIFEST))).trim().split("\n"),
      [
        `${UNITS}/sync-oauth-token-refresh.service`,
        `${UNITS}/sync-oauth-token-refresh.timer`,
        `${UNITS}/sync-oauth-token.service`,
        BIN,
      ],
    );
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
    assert.equal(
      (await t.install("--binary", t.binary, "--init", "systemd")).code,
      0,
    );
    const before = await snapshot(t.dest);
    const again = await t.install("--binary", t.binary, "--init", "systemd");
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
    assert.equal(await exists(marker), true);
    assert.match(un.stdout, /kept {7}\/etc\/sync-oauth-token\/config.env/);
    const twice = await t.install("--uninstall");
    assert.equal(twice.code, 0);
    assert.match(twice.stdout, /nothing to uninstall/);
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh: an edited config is kept and its directories become ReadWritePaths", async () => {
  const t = await setup();
  try {
    assert.equal(
      (await t.install("--binary", t.binary, "--init", "systemd")).code,
      0,
    );
    await Deno.writeTextFile(
      t.file(CONF),
      'SYNC_OAUTH_TOKEN_ENV_FILE="/srv/openclaw/.env"\nSYNC_OAUTH_TOKEN_OAUTH_JSON=/var/lib/oc/credentials/oauth.json\n',
    );
    const out = await t.install("--binary", t.binary, "--init", "systemd");
    assert.equal(out.code, 0, out.stderr);
    assert.match(
      out.stdout,
      /installed {2}\/etc\/systemd\/system\/sync-oauth-token.service/,
    );
    const service = await Deno.readTextFile(
      t.file(`${UNITS}/sync-oauth-token.service`),
    );
    assert.match(
      service,
      /^ReadWritePaths=-\/root\/.claude -\/srv\/openclaw -\/var\/lib\/oc\/credentials$/m,
    );
    assert.match(await Deno.readTextFile(t.file(CONF)), /srv\/openclaw/);
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh: a configured OpenClaw state directory becomes a ReadWritePath (the direct route writes its store)", async () => {
  const t = await setup();
  try {
    await Deno.mkdir(t.file("/etc/sync-oauth-token"), { recursive: true });
    await Deno.writeTextFile(
      t.file(CONF),
      "SYNC_OAUTH_TOKEN_OPENCLAW_STATE=/home/oc/.openclaw\n",
    );
    const out = await t.install("--binary", t.binary, "--init", "systemd");
    assert.equal(out.code, 0, out.stderr);
    const service = await Deno.readTextFile(
      t.file(`${UNITS}/sync-oauth-token.service`),
    );
    assert.match(
      service,
      /^ReadWritePaths=-\/root\/.claude -\/home\/oc\/.openclaw$/m,
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh: the config template's keys are all valid once uncommented", async () => {
  const t = await setup();
  try {
    assert.equal(
      (await t.install("--binary", t.binary, "--init", "cron")).code,
      0,
    );
    const template = await Deno.readTextFile(t.file(CONF));
    const keys = template.split("\n").filter((l) =>
      /^#SYNC_OAUTH_TOKEN_/.test(l)
    );
    assert.ok(keys.length >= 15, `${keys.length} keys`);
    const live = join(t.dir, "live.env");
    await Deno.writeTextFile(
      live,
      keys.map((l) => l.slice(1)).join("\n")
        .replace(
          "SYNC_OAUTH_TOKEN_CREDENTIALS=/root",
          `SYNC_OAUTH_TOKEN_CREDENTIALS=${t.dir}`,
        ),
    );
    const out = await run([t.binary, "config", "--json", "--config", live]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(JSON.parse(out.stdout).envFile, "/srv/openclaw/.env");
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh (cron) with --prefix: two cron entries, uninstall removes them", async () => {
  const t = await setup();
  try {
    const out = await t.install(
      "--binary",
      t.binary,
      "--init",
      "cron",
      "--prefix",
      "/opt/sot",
    );
    assert.equal(out.code, 0, out.stderr);
    const cron = await Deno.readTextFile(
      t.file("/etc/cron.d/sync-oauth-token"),
    );
    const entries = cron.split("\n").filter((l) => /^[*0-9]/.test(l));
    assert.deepEqual(entries, [
      "*/5 * * * * root /opt/sot/bin/sync-oauth-token --once --log-level warn",
      "17 */6 * * * root /opt/sot/bin/sync-oauth-token refresh --once --log-level warn",
    ]);
    assert.equal(await exists(t.file("/opt/sot/bin/sync-oauth-token")), true);
    assert.equal(await exists(t.file(UNITS)), false);
    const before = await snapshot(t.dest);
    assert.equal(
      (await t.install(
        "--binary",
        t.binary,
        "--init",
        "cron",
        "--prefix",
        "/opt/sot",
      )).code,
      0,
    );
    assert.deepEqual(await snapshot(t.dest), before);
    assert.equal((await t.install("--uninstall")).code, 0);
    assert.equal(await exists(t.file("/etc/cron.d/sync-oauth-token")), false);
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

    const bad = await t.install(
      "--url",
      `file://${releases}/`,
      "--sha256",
      "0".repeat(64),
      "--init",
      "cron",
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /SHA-256 mismatch/);
    assert.equal(await exists(t.file(BIN)), false);

    const missing = await t.install(
      "--url",
      `file://${releases}/nothing-{arch}`,
      "--init",
      "cron",
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
      "--init",
      "cron",
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
    const noFile = await t.install("--binary", join(t.dir, "absent"));
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /no such file/);
    const noValue = await t.install("--binary");
    assert.match(noValue.stderr, /--binary needs a value/);
  } finally {
    await t.cleanup();
  }
});

Deno.test("install.sh without --binary or --url builds with deno task compile beside it", async () => {
  const t = await setup();
  try {
    const src = join(t.dir, "src");
    const bin = join(t.dir, "fakebin");
    await Deno.mkdir(src);
    await Deno.mkdir(bin);
    await Deno.copyFile(INSTALL, join(src, "install.sh"));
    await Deno.writeTextFile(join(src, "deno.json"), "{}\n");
    await Deno.writeTextFile(
      join(bin, "deno"),
      `#!/bin/sh\n[ "$1 $2" = "task compile" ] || exit 9\nmkdir -p dist && cp ${t.binary} dist/sync-oauth-token\n`,
    );
    await Deno.chmod(join(bin, "deno"), 0o755);
    const out = await run(["sh", join(src, "install.sh"), "--init", "cron"], {
      DESTDIR: t.dest,
      PATH: `${bin}:${Deno.env.get("PATH")}`,
    });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /build {6}deno task compile in /);
    assert.equal(
      await Deno.readTextFile(t.file(BIN)),
      await Deno.readTextFile(t.binary),
    );
  } finally {
    await t.cleanup();
  }
});
