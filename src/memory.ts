/**
 * Giving memory back once the agent goes quiet. V8 keeps the pages a burst of
 * passes left behind, and its own memory reducer never runs while Deno's
 * event loop sleeps, so an idle agent would hold them for good. With
 * `--expose-gc` (one of the shipped V8 flags) a last-resort collection
 * returns them: 2 MiB after the bench's burst of 110 changes.
 */

/** The process's resident memory before and after a release, in MiB (one decimal). */
export interface Released {
  beforeMiB: number;
  afterMiB: number;
}

/** The process's resident memory in MiB, to one decimal. */
function rssMiB(): number {
  return Math.round(Deno.memoryUsage().rss / 104857.6) / 10;
}

type Gc = (
  options: { type: string; execution: string; flavor: string },
) => void;

/** Runs V8's last-resort full collection, which also returns free pages; undefined when V8 runs without --expose-gc. */
export function releaseMemory(): Released | undefined {
  const gc = (globalThis as { gc?: Gc }).gc;
  if (!gc) return undefined;
  const beforeMiB = rssMiB();
  gc({ type: "major", execution: "sync", flavor: "last-resort" });
  return { beforeMiB, afterMiB: rssMiB() };
}
