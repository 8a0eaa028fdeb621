/** Rename-to-delivery latency: how the benches time a change from Claude Code's rename until the sinks hold it. */
import { testLogin, type Workspace } from "../helpers/fixture.ts";

/** The q-quantile of numbers (nearest rank). */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** Milliseconds with one decimal. */
export function ms(n: number): string {
  return n.toFixed(1);
}

/**
 * Renames `changes` new logins into the workspace's credentials, 20 ms apart,
 * and returns how long each took until `holds(token)` was true; the sinks'
 * directories are watched, so each check follows a write.
 */
export async function renameLatencies(
  ws: Workspace,
  dirs: string[],
  holds: (token: string) => Promise<boolean>,
  changes: number,
): Promise<number[]> {
  const watcher = Deno.watchFs(dirs);
  const events = watcher[Symbol.asyncIterator]();
  const latencies: number[] = [];
  try {
    for (let i = 0; i < changes; i++) {
      const login = testLogin();
      const t0 = performance.now();
      await ws.writeLogin(login);
      while (!(await holds(login.accessToken))) await events.next();
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    watcher.close();
  }
  return latencies;
}

/** `p50 … ms, p99 … ms` of latencies. */
export function percentiles(latencies: number[]): string {
  return `p50 ${ms(quantile(latencies, 0.5))} ms, p99 ${
    ms(quantile(latencies, 0.99))
  } ms`;
}
