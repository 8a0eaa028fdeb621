/** The size of a duration in ms as a short text ("7h 12m", "3m", "40s"). */
function span(ms: number): string {
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3600e3);
  const m = Math.floor((abs % 3600e3) / 60e3);
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m` : `${Math.floor(abs / 1e3)}s`;
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
