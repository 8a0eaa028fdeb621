/** Doctor: the credentials file, the token's expiry, and whether the token endpoint refused this login. */
import { ExitCode, messageOf, SyncError } from "../../lib/errors.ts";
import { fingerprint } from "../../lib/fingerprint.ts";
import { expiry, timeAgo } from "../../lib/time.ts";
import { refreshDueAt } from "../../login/refresh.ts";
import { readCredentials } from "../../login/source.ts";
import { isLoginEnded } from "../state.ts";
import { type Check, finding } from "./check.ts";

/** The credentials file, the token's expiry, and a login the token endpoint refused. */
export const credentialsCheck: Check = {
  name: "credentials",
  async run({ global, now, state }) {
    const path = global.credentials;
    let login;
    try {
      login = (await readCredentials(path)).login;
    } catch (err) {
      const ended = err instanceof SyncError &&
        err.exitCode === ExitCode.loginEnded;
      return [
        finding(
          "credentials",
          "fail",
          messageOf(err),
          ended
            ? "log in again with `claude`"
            : "log in with `claude` on this host, or point --credentials at its .credentials.json",
        ),
      ];
    }
    const findings = [
      finding(
        "credentials",
        "ok",
        `${path}: a valid login, token ${fingerprint(login.accessToken)}`,
      ),
    ];
    const mode = (await Deno.stat(path)).mode;
    if (mode !== null && (mode & 0o077) !== 0) {
      findings.push(finding(
        "credentials",
        "warn",
        `${path} is readable by others (mode ${(mode & 0o777).toString(8)})`,
        `chmod 600 ${path}`,
      ));
    }
    const due = refreshDueAt(login, global.refreshBefore) <= now;
    findings.push(
      login.expiresAt <= now
        ? finding(
          "token expiry",
          "fail",
          `token ${expiry(login.expiresAt, now)}`,
          "run `sync-oauth-token refresh --once`, or start `claude` once",
        )
        : finding(
          "token expiry",
          due ? "warn" : "ok",
          `token ${expiry(login.expiresAt, now)}${
            due ? " (inside --refresh-before: due for refresh)" : ""
          }`,
          due
            ? "Claude Code renews it on its next use; `sync-oauth-token refresh --once` does now"
            : undefined,
        ),
    );
    if (isLoginEnded(state, login.refreshToken)) {
      findings.push(finding(
        "login",
        "fail",
        `the token endpoint refused refresh token ${
          fingerprint(login.refreshToken)
        } ${timeAgo(state!.loginEnded!.at, now)}`,
        "log in again with `claude`",
      ));
    }
    return findings;
  },
};
