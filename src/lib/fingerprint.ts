/** Anything shaped like an Anthropic token, wherever it appears in a string. */
const TOKEN_PATTERN = /sk-ant-[a-z]{3}\d{2}-[^\s"'`\\$,;]+/g;

/** A short, stable, non-reversible label for a token: its last 4 characters and a hash. */
export function fingerprint(token: string): string {
  if (token === "") return "(empty)";
  let hash = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) {
    hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  }
  const hex = (hash >>> 0).toString(16).padStart(8, "0").slice(0, 6);
  return `…${token.slice(-4)}#${hex}`;
}

/** The text with every token in it replaced by its fingerprint. */
export function redact(text: string): string {
  return text.replace(TOKEN_PATTERN, fingerprint);
}
