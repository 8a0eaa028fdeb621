/** The Dockerfile's shape and the sidecar compose snippet (images cannot be built here: no registry). */
import assert from "node:assert/strict";
import { join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;
const SIDECAR = join(ROOT, "tests/install/compose.sidecar.yml");

Deno.test("Dockerfile: Deno image builds with deno task compile, slim glibc runtime with docker CLI and compose v2", async () => {
  const text = await Deno.readTextFile(join(ROOT, "Dockerfile"));
  const from = [...text.matchAll(/^FROM (\S+)(?: AS (\S+))?$/gm)].map((m) =>
    m.slice(1).filter(Boolean).join(" ")
  );
  assert.deepEqual(from, [
    "denoland/deno:2.9.6 build",
    "docker:28-cli docker",
    "debian:bookworm-slim",
  ]);
  // the build stage has the one list of flags and the source (no package to fetch)
  const build = text.slice(0, text.indexOf("FROM docker:"));
  assert.match(build, /^COPY deno\.json \.\/$/m);
  assert.match(build, /^COPY src\/ src\/$/m);
  assert.doesNotMatch(text, /permissions\.sh/);
  assert.match(
    build,
    /^RUN deno task compile && \.\/dist\/sync-oauth-token --version$/m,
  );
  const tasks = (await import("../../deno.json", { with: { type: "json" } }))
    .default.tasks as Record<string, string>;
  assert.match(tasks.compile, /\$\(sh src\/flags\.sh\)/);
  assert.match(text, /^COPY --from=docker \/usr\/local\/bin\/docker /m);
  assert.match(text, /cli-plugins\/docker-compose$/m);
  assert.match(text, /^CMD \["watch"\]$/m);
  const ignore = await Deno.readTextFile(join(ROOT, ".dockerignore"));
  const kept = ignore.split("\n").filter((l) => l.startsWith("!"));
  const copied = [...text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((
    m,
  ) => m[1].split(" "));
  assert.deepEqual(copied, ["deno.json", "src/"]);
  // .dockerignore lets in exactly what the build copies
  assert.deepEqual(kept, copied.map((p) => `!${p}`));
  assert.match(ignore, /^\*$/m);
});

Deno.test("README's sidecar snippet is tests/install/compose.sidecar.yml, the file the engine test runs", async () => {
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const block = /### Docker sidecar[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme);
  const file = await Deno.readTextFile(SIDECAR);
  assert.equal(block?.[1], file.replace(/^#.*\n/gm, ""));
});

const compose = new Deno.Command("docker-compose", { args: ["version"] })
  .output().then((o) => o.success, () => false);

Deno.test({
  name: "sidecar snippet: docker compose merges it into an OpenClaw project",
  ignore: !(await compose),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "sot-sidecar-" });
    try {
      await Deno.writeTextFile(
        join(dir, "docker-compose.yml"),
        "services:\n  openclaw-gateway:\n    image: local/busybox\n    env_file: .env\n",
      );
      await Deno.writeTextFile(join(dir, ".env"), "ANTHROPIC_OAUTH_TOKEN=\n");
      await Deno.copyFile(SIDECAR, join(dir, "docker-compose.override.yml"));
      const out = await new Deno.Command("docker-compose", {
        args: ["config"],
        cwd: dir,
        env: { HOME: "/home/op", PWD: dir },
        clearEnv: true,
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      assert.match(text, /openclaw-gateway:/);
      for (
        const want of [
          "/var/run/docker.sock",
          "/home/op/.claude",
          `SYNC_OAUTH_TOKEN_ENV_FILE: ${dir}/.env`,
          `PWD: ${dir}`,
        ]
      ) assert.ok(text.includes(want), `${want} in\n${text}`);
      // compose v1 prints short volume syntax, v2 the long one
      assert.ok(
        text.includes(`${dir}:${dir}`) || text.includes(`target: ${dir}`),
        text,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
