/** Doctor: whether the token endpoints' host names resolve. */
import { isIP } from "node:net";
import { messageOf } from "../../lib/errors.ts";
import { formatDuration, within } from "../../lib/time.ts";
import { type Check, type DoctorContext, finding } from "./check.ts";

/** Resolves a host name with a time limit; an IP literal is itself. */
async function resolveWithin(
  resolve: DoctorContext["resolve"],
  host: string,
  ms: number,
): Promise<string[]> {
  if (isIP(host.replace(/^\[|\]$/g, ""))) return [host];
  return await within(resolve(host), ms, `no answer in ${formatDuration(ms)}`);
}

/** Whether the token endpoints' host names resolve. */
export const tokenEndpointCheck: Check = {
  name: "token endpoint",
  async run({ global, resolve }) {
    const urls = [
      ["token endpoint", global.tokenUrl],
      ["token fallback", global.tokenUrlFallback],
    ];
    return await Promise.all(urls.map(async ([check, url]) => {
      const host = new URL(url).hostname;
      try {
        const addresses = await resolveWithin(resolve, host, 5_000);
        return finding(
          check,
          "ok",
          `${host} resolves to ${addresses.join(", ")}`,
        );
      } catch (err) {
        return finding(
          check,
          "fail",
          `${host} does not resolve: ${messageOf(err)}`,
          `check DNS and the network: refreshing needs HTTPS to ${host}`,
        );
      }
    }));
  },
};
