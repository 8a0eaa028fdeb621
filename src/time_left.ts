/** The size of a duration in ms as a short text ("7h 12m", "3m", "40s"). */
function span(ms: number): string {
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3600e3);
  const m = Math.floor((abs % 3600e3) / 60e3);
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m` : `${Math.floor(abs / 1e3)}s`;
}

/** A duration in ms as a short human text ("in 7h 12m", "3m ago"). */
export function timeLeft(ms: number): string {
  return ms >= 0 ? `in ${span(ms)}` : `${span(ms)} ago`;
}

/** When a token expires, relative to now: "expires in 7h 12m" or "expired 3m ago". */
export function expiry(expiresAt: number, now: number): string {
  const left = expiresAt - now;
  return left > 0 ? `expires in ${span(left)}` : `expired ${span(left)} ago`;
}
