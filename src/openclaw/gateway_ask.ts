/**
 * Asking the running gateway to reload its auth and say what it uses, the
 * way this host can reach it: its WebSocket directly (a native gateway on
 * loopback, or a container on the host's network), or from inside its
 * container (a gateway behind a published port grants a host connection no
 * scopes). Either way the answer is the server's version and Anthropic's
 * entry of models.authStatus.
 */
import * as z from "../lib/zod/zod.js";
import { messageOf } from "../lib/errors.ts";
import type { Runner } from "../lib/process.ts";
import type { Found } from "./found.ts";
import { connectGateway } from "./gateway.ts";
import { askInContainer } from "./in_container.ts";

/** How this tool reaches the gateway's WebSocket API. */
export type GatewayReach =
  | { kind: "ws"; url: Found<string>; token: Found<string> }
  | {
    kind: "exec";
    container: string;
    /** The gateway's port inside the container. */
    port: number;
    token: Found<string>;
  };

/** What the gateway answered. */
export interface GatewayAnswer {
  version?: string;
  /** models.authStatus, Anthropic's entry only. */
  status: unknown;
}

/** The way a reach reads in the log, status and doctor. */
export function describeReach(reach: GatewayReach): string {
  return reach.kind === "ws"
    ? `${reach.url.value} (${reach.url.from})`
    : `ws://127.0.0.1:${reach.port} inside container ${
      reach.container.slice(0, 12)
    } (docker exec … node; a host connection through the published port gets no scopes)`;
}

/** The gateway and where its token came from, as the route line, status and doctor show an open direct route. */
export function describeGateway(reach: GatewayReach | undefined): string {
  return `gateway ${
    reach ? describeReach(reach) : "?"
  }, token from ${reach?.token.from}`;
}

/** The scopes a gateway granted in its hello. */
const Hello = z.object({
  server: z.optional(z.object({ version: z.optional(z.string()) })),
  auth: z.optional(z.object({ scopes: z.optional(z.array(z.string())) })),
});

/** Whether the scopes allow reading (and, to reload, administering) model auth. */
function scopesAllow(scopes: string[], refresh: boolean): boolean {
  return scopes.includes("operator.admin") ||
    (!refresh && scopes.includes("operator.read"));
}

/** The refusal when the gateway grants too few scopes. */
function noScopes(where: string): Error {
  return new Error(
    `the gateway at ${where} grants this connection no operator scopes (it is not loopback to the gateway)`,
  );
}

/** Over the WebSocket from this host. */
async function askDirectly(
  reach: Extract<GatewayReach, { kind: "ws" }>,
  refresh: boolean,
  timeoutMs: number,
): Promise<GatewayAnswer> {
  const gateway = await connectGateway(
    reach.url.value,
    reach.token.value,
    undefined,
    timeoutMs,
  );
  try {
    const hello = Hello.safeParse(gateway.hello.payload).data;
    const scopes = hello?.auth?.scopes ?? ["operator.admin"];
    if (!scopesAllow(scopes, refresh)) throw noScopes(reach.url.value);
    if (refresh) {
      const reload = await gateway.call(
        "models.authRefresh",
        { operation: "login" },
        { timeoutMs },
      );
      if (!reload.ok) {
        await gateway.call("models.authStatus", { refresh: true }, {
          timeoutMs,
        });
      }
    }
    const status = await gateway.call("models.authStatus", {}, { timeoutMs });
    if (!status.ok) {
      throw new Error(
        `models.authStatus refused: ${JSON.stringify(status.error)}`,
      );
    }
    return { version: hello?.server?.version, status: status.payload };
  } finally {
    gateway.close();
  }
}

/** From inside the container. */
async function askInside(
  reach: Extract<GatewayReach, { kind: "exec" }>,
  run: Runner,
  refresh: boolean,
  timeoutMs: number,
): Promise<GatewayAnswer> {
  const answer = await askInContainer(run, reach.container, {
    url: `ws://127.0.0.1:${reach.port}`,
    token: reach.token.value,
    refresh,
    timeoutMs,
  });
  if (answer.error) throw new Error(`the gateway: ${answer.error}`);
  if (!scopesAllow(answer.scopes ?? [], refresh)) {
    throw noScopes(`127.0.0.1:${reach.port} inside its container`);
  }
  return { version: answer.version, status: answer.status };
}

/** Has the gateway reload its auth (when asked to) and returns what it then uses; throws why it could not. */
export async function askGateway(
  reach: GatewayReach,
  run: Runner,
  { refresh, timeoutMs = 5_000 }: { refresh: boolean; timeoutMs?: number },
): Promise<GatewayAnswer> {
  try {
    return reach.kind === "ws"
      ? await askDirectly(reach, refresh, timeoutMs)
      : await askInside(reach, run, refresh, timeoutMs);
  } catch (err) {
    throw new Error(
      `${messageOf(err)} (gateway token from ${reach.token.from})`,
    );
  }
}
