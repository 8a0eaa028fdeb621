/** Doctor: each target has somewhere to deliver, and no two targets write the same file or recreate the same service. */
import { resolve } from "../../lib/path.ts";
import { noDestination } from "../../config/destination.ts";
import { type Check, type Finding, finding } from "./check.ts";

/** What two targets must not share: a file they write, or a gateway they recreate. */
function claims(
  t: Parameters<typeof noDestination>[0] & {
    name: string;
    composeDir?: string;
    composeProject?: string;
    service: string;
    restart: string;
  },
): string[] {
  const own: string[] = [];
  if (t.envFile) own.push(`writes ${resolve(t.envFile)}`);
  if (t.oauthJson) own.push(`writes ${resolve(t.oauthJson)}`);
  if (t.openclawState) own.push(`delivers to ${resolve(t.openclawState)}`);
  if (t.envFile && t.restart !== "none" && t.composeDir) {
    own.push(
      `recreates ${t.service} of ${t.composeProject ?? resolve(t.composeDir)}`,
    );
  }
  return own;
}

/** Each target has a destination; no two claim the same file or service. */
export const targetsCheck: Check = {
  name: "targets",
  run({ targets }) {
    const findings: Finding[] = [];
    const owners = new Map<string, string[]>();
    for (const { settings: t } of targets) {
      const missing = noDestination(t);
      if (missing) {
        findings.push({
          ...finding(
            "target",
            "fail",
            missing,
            "set one of them (flags, config.env, or a targets.d file)",
          ),
          target: t.name,
        });
      }
      for (const claim of claims(t)) {
        owners.set(claim, [...(owners.get(claim) ?? []), t.name]);
      }
    }
    for (const [claim, names] of owners) {
      if (names.length > 1) {
        findings.push(finding(
          "targets",
          "fail",
          `targets ${names.join(" and ")} each ${claim}`,
          "give each target its own .env, state directory and service",
        ));
      }
    }
    if (targets.length > 1 && findings.length === 0) {
      findings.push(finding(
        "targets",
        "ok",
        `${targets.length} targets, none sharing a file or a service`,
      ));
    }
    return Promise.resolve(findings);
  },
};
