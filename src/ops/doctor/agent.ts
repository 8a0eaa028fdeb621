/** Doctor: the last pass the state file records, and a running agent's /healthz. */
import { type Check, type Finding, finding } from "./check.ts";
import { describePass, failingTarget } from "../state.ts";
import { messageOf } from "../../lib/errors.ts";

/** The last pass the state file records, and a running agent's /healthz. */
export const agentCheck: Check = {
  name: "agent",
  async run({ global, state, now, fetch }) {
    const findings: Finding[] = [];
    const last = state?.lastPass;
    const failing = state && failingTarget(state);
    findings.push(
      !last
        ? finding("last pass", "ok", `none recorded in ${global.stateFile}`)
        : last.ok && !failing
        ? finding("last pass", "ok", describePass(last, now))
        : finding(
          "last pass",
          "warn",
          failing && last.ok
            ? `target ${failing.name}: ${describePass(failing.lastPass, now)}`
            : describePass(last, now),
        ),
    );
    const listen = global.metricsListen;
    if (listen) {
      const host = listen.hostname.includes(":")
        ? `[${listen.hostname}]`
        : listen.hostname;
      const url = `http://${host}:${listen.port}/healthz`;
      try {
        const r = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        const body = (await r.text()).trim();
        findings.push(finding(
          "healthz",
          r.ok ? "ok" : "warn",
          `${url} answers ${r.status}: ${body}`,
        ));
      } catch (err) {
        findings.push(finding(
          "healthz",
          "warn",
          `nothing answers at ${url} (${messageOf(err)})`,
          "start the watcher (systemctl start sync-oauth-token)",
        ));
      }
    }
    return findings;
  },
};
