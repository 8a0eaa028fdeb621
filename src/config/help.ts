/** `--help`: the commands, then every option a command takes, grouped by purpose, with its default. */
import {
  type Command,
  envName,
  GROUPS,
  shownDefault,
  SPECS,
} from "./options.ts";

/** The first lines of `--help`. */
export function usage(version: string): string {
  return `sync-oauth-token ${version}: keeps every consumer of a Claude Code login fresh

usage: sync-oauth-token [watch|status|config|refresh|doctor] [options]
  watch     (default) one pass, then follow every change of the credentials file
  --once    one pass, then exit (cron, systemd timers)
  refresh   refresh the login at the token endpoint when due, then deliver
            (--once: one pass; else on a timer)
  status    the source and each target with token fingerprints and expiry
  config    the effective configuration and where each value came from
  doctor    check every piece of the configuration and say what to fix

Every option is also read from the environment and the config file as
SYNC_OAUTH_TOKEN_<OPTION>; flags win over the environment, which wins over the
file. Target options may also be set per target in targets.d/NAME.env beside
the config file. Durations: 500ms, 30s, 5m, 6h, 1h30m.`;
}

/** The options a command takes, by group, each with its default and variable name. */
export function helpText(command: Command): string {
  const sections: string[] = [];
  for (const [group, title] of Object.entries(GROUPS)) {
    const lines = Object.entries(SPECS)
      .filter(([, spec]) =>
        spec.group === group &&
        (command === "config" || spec.commands.includes(command))
      )
      .map(([flag, spec]) => {
        const shown = shownDefault(flag);
        const value = spec.boolean ? "" : " VALUE";
        return `  --${flag}${value}\n      ${spec.help}${
          shown === undefined ? "" : ` (default: ${shown})`
        } [${envName(flag)}]`;
      });
    if (lines.length > 0) sections.push(`${title}:\n${lines.join("\n")}`);
  }
  return sections.join("\n\n");
}
