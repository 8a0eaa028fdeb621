/** Time: waiting, time limits, and durations as people write and read them. */

/** Resolves after ms, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted) return done();
    const stop = () => {
      clearTimeout(timer);
      done();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", stop);
      done();
    }, ms);
    signal?.addEventListener("abort", stop, { once: true });
  });
}

/** The promise's outcome, or an Error(message) when it has not settled within ms. */
export async function within<T>(
  promise: Promise<T>,
  ms: number,
  message: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const UNITS = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 } as const;

/** Parses a duration such as `500ms`, `90s`, `5m`, `6h`, `1h30m`, `1d` or plain seconds into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(s)) return Math.round(Number(s) * 1e3);
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/.test(s)) return undefined;
  let total = 0;
  for (const [, n, unit] of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(n) * UNITS[unit as keyof typeof UNITS];
  }
  return Math.round(total);
}

/** A duration in ms as people write it: `500ms`, `12.9s`, `2m`, `1h30m`, `6h`, `1d` (over a minute, to the second). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60e3 && ms % 1000 !== 0) {
    return `${Number((ms / 1000).toFixed(1))}s`;
  }
  let rest = Math.round(ms / 1000) * 1000;
  let text = "";
  for (const unit of ["d", "h", "m", "s"] as const) {
    const n = Math.floor(rest / UNITS[unit]);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * UNITS[unit];
  }
  return text;
}

/** The size of a duration in ms as a short text ("7h 12m", "3m", "40s"). */
function span(ms: number): string {
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3600e3);
  const m = Math.floor((abs % 3600e3) / 60e3);
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m` : `${Math.floor(abs / 1e3)}s`;
}

/** A moment relative to now: "in 7h 12m" or "3m ago". */
export function relative(at: number, now: number): string {
  return at > now ? `in ${span(at - now)}` : `${span(now - at)} ago`;
}

/** When a token expires, relative to now: "expires in 7h 12m" or "expired 3m ago". */
export function expiry(expiresAt: number, now: number): string {
  const left = expiresAt - now;
  return left > 0 ? `expires in ${span(left)}` : `expired ${span(left)} ago`;
}

/** How long ago an event happened ("3m ago"); an event stamped a moment after now (another process's clock read) is "0s ago". */
export function timeAgo(at: number, now: number): string {
  return `${span(Math.max(0, now - at))} ago`;
}
