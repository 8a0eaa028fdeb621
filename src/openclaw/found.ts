/** A value discovery found, and where it came from. */
export interface Found<T> {
  value: T;
  /** Where it came from, as people read it: `OPENCLAW_CONFIG_DIR in /srv/oc/.env`, `--openclaw-state`. */
  from: string;
}

/** A found value. */
export function found<T>(value: T, from: string): Found<T> {
  return { value, from };
}

/** A value with its origin in parentheses: `/srv/oc/state (OPENCLAW_CONFIG_DIR in /srv/oc/.env)`. */
export function shown(f: Found<string | string[]>): string {
  const value = Array.isArray(f.value) ? f.value.join(" ") : f.value;
  return `${value} (${f.from})`;
}
