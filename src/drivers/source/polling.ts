/** The polling variant of the credentials source: a change of the file's inode, size or mtime is a change. */

/** The identity of a file for polling: inode, size and mtime, or "absent". */
export async function signature(path: string): Promise<string> {
  try {
    const s = await Deno.stat(path);
    return `${s.ino}:${s.size}:${s.mtime?.getTime()}`;
  } catch {
    return "absent";
  }
}

/** Yields once at the start, then once per change seen every `intervalMs`, until the signal aborts. */
export async function* polling(
  path: string,
  intervalMs: number,
  signal: AbortSignal,
): AsyncGenerator<void> {
  let last = await signature(path);
  yield;
  while (!signal.aborted) {
    await new Promise<void>((done) => {
      const timer = setTimeout(done, intervalMs);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        done();
      }, { once: true });
    });
    if (signal.aborted) return;
    const now = await signature(path);
    if (now !== last) {
      last = now;
      yield;
    }
  }
}
