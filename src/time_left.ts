/** A duration in ms as a short human text ("in 7h 12m", "3m ago"). */
export function timeLeft(ms: number): string {
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3600e3);
  const m = Math.floor((abs % 3600e3) / 60e3);
  const text = h > 0
    ? `${h}h ${m}m`
    : m > 0
    ? `${m}m`
    : `${Math.floor(abs / 1e3)}s`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/** When a token expires, relative to now: "expires in 7h 12m" or "expired 3m ago". */
export function expiry(expiresAt: number, now: number): string {
  const left = expiresAt - now;
  return `${left > 0 ? "expires" : "expired"} ${timeLeft(left)}`;
}
