/**
 * `config`: the effective configuration in the config file's own format, each
 * value followed by where it came from, so its output can be pasted into
 * config.env (or a target file); `--json` gives the same as JSON. Secrets
 * show only as "(set)".
 */
import { camel, envName, type Scope, SPECS } from "./options.ts";
import type { Origins, Settings } from "./settings.ts";

/** One setting as `config` shows it. */
interface Shown {
  key: string;
  value?: string;
  from: string;
}

/** A value as config-file text; undefined stays unset. */
function asText(flag: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const spec = SPECS[flag];
  if (spec.secret) return "(set)";
  return spec.show ? spec.show(value) : String(value);
}

/** The settings of one scope, in the table's order. */
function shown(
  scope: Scope,
  values: Record<string, unknown>,
  origins: Origins,
): Shown[] {
  return Object.keys(SPECS)
    .filter((flag) => SPECS[flag].scope === scope)
    .map((flag) => ({
      key: envName(flag),
      value: asText(flag, values[camel(flag)]),
      from: origins[camel(flag)] ?? "default",
    }));
}

/** A value quoted for a KEY=value file when it needs it. */
function quoted(value: string): string {
  return /^[A-Za-z0-9_./:@,+=%()-]*$/.test(value)
    ? value
    : JSON.stringify(value);
}

/** Lines of a config file: set values as KEY=value, unset ones commented out, each with its origin. */
function lines(settings: Shown[]): string[] {
  return settings.map((s) =>
    s.value === undefined
      ? `# ${s.key}=  # not set`
      : `${s.key}=${quoted(s.value)}  # ${s.from}`
  );
}

/** The configuration as config-file text: the global settings, then a block per target. */
export function showSettings(settings: Settings): string {
  const out = [
    "# global settings",
    ...lines(shown("global", settings.global, settings.globalOrigins)),
  ];
  for (const t of settings.targets) {
    out.push(
      "",
      `# target ${t.settings.name}${t.file ? ` (${t.file})` : ""}`,
      ...lines(shown("target", t.settings, t.origins)),
    );
  }
  return out.join("\n");
}

/** The configuration as JSON: values (secrets as "(set)") and where each came from. */
export function settingsJson(settings: Settings): unknown {
  const block = (scope: Scope, values: Record<string, unknown>, o: Origins) =>
    Object.fromEntries(
      shown(scope, values, o).map((s) => [s.key, {
        value: s.value ?? null,
        from: s.from,
      }]),
    );
  return {
    global: block("global", settings.global, settings.globalOrigins),
    targets: settings.targets.map((t) => ({
      name: t.settings.name,
      file: t.file ?? null,
      settings: block("target", t.settings, t.origins),
    })),
  };
}
