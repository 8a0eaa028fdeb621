/** One parsed `KEY=value` line: where its value sits, so it can be replaced in place. */
interface Assignment {
  key: string;
  value: string;
  /** Offsets of the raw value (quotes included) within the line. */
  start: number;
  end: number;
  quote: "" | '"' | "'";
}

const ASSIGNMENT = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_.-]*)(\s*=\s*)/;

/** Splits text into lines, keeping each line's own ending ("\n", "\r\n" or "" for the last). */
function splitLines(text: string): { line: string; eol: string }[] {
  const parts = text.split(/(\r?\n)/);
  const lines = [];
  for (let i = 0; i < parts.length; i += 2) {
    lines.push({ line: parts[i], eol: parts[i + 1] ?? "" });
  }
  if (lines.at(-1)?.line === "" && lines.at(-1)?.eol === "") lines.pop();
  return lines;
}

/** The assignment a line holds, as docker compose reads it, or undefined. */
function parseAssignment(line: string): Assignment | undefined {
  const m = ASSIGNMENT.exec(line);
  if (!m) return undefined;
  const start = m[0].length;
  const rest = line.slice(start);
  const quote = rest[0] === '"' || rest[0] === "'" ? rest[0] : "";
  if (quote) {
    let i = 1;
    while (i < rest.length && rest[i] !== quote) i += rest[i] === "\\" ? 2 : 1;
    if (i < rest.length) {
      const inner = rest.slice(1, i);
      const value = quote === '"' ? inner.replace(/\\(.)/g, "$1") : inner;
      return { key: m[2], value, start, end: start + i + 1, quote };
    }
  }
  const comment = /\s+#/.exec(rest);
  const raw = comment ? rest.slice(0, comment.index) : rest.trimEnd();
  return { key: m[2], value: raw, start, end: start + raw.length, quote: "" };
}

/** Every variable of a dotenv text; a later assignment wins, as in docker compose. */
export function parseDotenv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const { line } of splitLines(text)) {
    if (/^\s*#/.test(line)) continue;
    const a = parseAssignment(line);
    if (a) vars[a.key] = a.value;
  }
  return vars;
}

/** The value docker compose would use for the key (its last assignment), or undefined. */
export function envValue(text: string, key: string): string | undefined {
  return parseDotenv(text)[key];
}

/** Result of setEnvValue: the new text and how many assignments of the key it had. */
export interface EnvEdit {
  text: string;
  assignments: number;
}

/**
 * Sets the key to the value, changing no other byte: the last assignment is
 * rewritten in place (keeping `export `, its quoting and any comment), or a
 * line is appended in the file's own line ending.
 */
export function setEnvValue(text: string, key: string, value: string): EnvEdit {
  const lines = splitLines(text);
  const hits = lines.flatMap(({ line }, i) => {
    const a = /^\s*#/.test(line) ? undefined : parseAssignment(line);
    return a?.key === key ? [{ i, a }] : [];
  });
  const last = hits.at(-1);
  if (last) {
    const { line } = lines[last.i];
    const { start, end, quote } = last.a;
    lines[last.i].line = line.slice(0, start) + quote + value + quote +
      line.slice(end);
  } else {
    const eol = lines.find((l) => l.eol)?.eol ?? "\n";
    if (lines.length > 0 && lines.at(-1)!.eol === "") lines.at(-1)!.eol = eol;
    lines.push({ line: `${key}=${value}`, eol });
  }
  return {
    text: lines.map((l) => l.line + l.eol).join(""),
    assignments: hits.length,
  };
}
