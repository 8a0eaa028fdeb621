import assert from "node:assert/strict";
import {
  openForReading,
  readTextIfExists,
  writeFileAtomic,
} from "../../../src/lib/files.ts";

/** A temporary directory for one test, removed after it. */
async function inTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "sot-files-" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Makes a FIFO at a path. */
async function mkfifo(path: string): Promise<void> {
  const made = await new Deno.Command("mkfifo", { args: [path] }).output();
  assert.ok(made.success, "mkfifo");
}

/** How many descriptors of this process are open on a path. */
async function descriptorsOf(path: string): Promise<number> {
  let n = 0;
  for await (const fd of Deno.readDir("/proc/self/fd")) {
    const target = await Deno.readLink(`/proc/self/fd/${fd.name}`).catch(
      () => "",
    );
    if (target === path) n++;
  }
  return n;
}

/** Waits up to 2 s for a condition, failing the test when it never holds. */
async function waitUntil(holds: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if (await holds()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail("the late open was never closed");
}

Deno.test("files: readTextIfExists reads a regular file, answers undefined when absent and refuses a FIFO, a directory and an oversized file", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/plain`, "text\n");
    assert.equal(await readTextIfExists(`${dir}/plain`), "text\n");
    assert.equal(await readTextIfExists(`${dir}/absent`), undefined);
    await mkfifo(`${dir}/fifo`);
    await assert.rejects(
      readTextIfExists(`${dir}/fifo`),
      /fifo is not a regular file/,
    );
    await Deno.mkdir(`${dir}/sub`);
    await assert.rejects(readTextIfExists(`${dir}/sub`), /not a regular file/);
    await Deno.writeFile(`${dir}/big`, new Uint8Array(1024 * 1024 + 1));
    await assert.rejects(readTextIfExists(`${dir}/big`), /larger than/);
  });
});

Deno.test("files: opening a FIFO that has no writer gives up after the limit instead of hanging, and the late open is closed", async () => {
  await inTempDir(async (dir) => {
    const fifo = `${dir}/fifo`;
    await mkfifo(fifo);
    await assert.rejects(
      openForReading(fifo, 100),
      /did not open within 100ms/,
    );
    // A writer releases the blocked open, which openForReading then closes.
    const writer = await Deno.open(fifo, { write: true });
    writer.close();
    await waitUntil(async () => (await descriptorsOf(fifo)) === 0);
  });
});

Deno.test("files: writeFileAtomic creates 0600 under umask 000, keeps an existing 0644, and leaves the umask as it was", async () => {
  await inTempDir(async (dir) => {
    const umask = Deno.umask(0);
    try {
      await writeFileAtomic(`${dir}/new`, "a=1\n");
      assert.equal((await Deno.stat(`${dir}/new`)).mode! & 0o777, 0o600);
      await Deno.writeTextFile(`${dir}/wide`, "a=0\n", { mode: 0o644 });
      const warnings = await writeFileAtomic(`${dir}/wide`, "a=2\n");
      assert.equal((await Deno.stat(`${dir}/wide`)).mode! & 0o777, 0o644);
      assert.match(warnings.join("\n"), /mode 0644, wider than 0600/);
      assert.equal(Deno.umask(0), 0, "umask restored");
    } finally {
      Deno.umask(umask);
    }
    assert.equal(await Deno.readTextFile(`${dir}/wide`), "a=2\n");
  });
});

Deno.test("files: writeFileAtomic keeps an existing 0644 under umask 077, which takes those bits from the new temp file", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/wide`, "a=0\n", { mode: 0o644 });
    await Deno.chmod(`${dir}/wide`, 0o644);
    const umask = Deno.umask(0o077);
    try {
      await writeFileAtomic(`${dir}/wide`, "a=1\n");
    } finally {
      Deno.umask(umask);
    }
    assert.equal((await Deno.stat(`${dir}/wide`)).mode! & 0o777, 0o644);
    assert.equal(await Deno.readTextFile(`${dir}/wide`), "a=1\n");
  });
});

Deno.test({
  name:
    "files: writeFileAtomic keeps the owner and group of a file another user owns (root only)",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    await inTempDir(async (dir) => {
      const path = `${dir}/theirs`;
      await Deno.writeTextFile(path, "a=0\n", { mode: 0o600 });
      await Deno.chown(path, 1000, 1001);
      await writeFileAtomic(path, "a=1\n");
      const info = await Deno.stat(path);
      assert.deepEqual([info.uid, info.gid], [1000, 1001]);
      assert.equal(await Deno.readTextFile(path), "a=1\n");
    });
  },
});
