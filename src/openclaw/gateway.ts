/**
 * The OpenClaw gateway's WebSocket API (protocol 4, shared-token auth): connect and call methods.
 *
 * Handshake: the server sends {type:"event",event:"connect.challenge",payload:{nonce,ts}};
 * the client answers {type:"req",id,method:"connect",params:{minProtocol:4,maxProtocol:4,
 * client:{id:"gateway-client",mode:"backend",...},role:"operator",scopes,auth:{token}}};
 * then requests are {type:"req",id,method,params} and replies {type:"res",id,ok,payload|error}.
 * Loopback + shared token + client id "gateway-client"/mode "backend" needs no device identity.
 */

import * as z from "../lib/zod/zod.js";
import { within } from "../lib/time.ts";

/** A frame from the gateway: a response to a request, or an event. */
const Frame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("res"),
    id: z.string(),
    ok: z.boolean(),
    payload: z.optional(z.unknown()),
    error: z.optional(z.looseObject({
      code: z.optional(z.string()),
      message: z.optional(z.string()),
    })),
  }),
  z.object({ type: z.literal("event"), event: z.string() }),
]);

/** An interim reply to a long request. */
const Accepted = z.object({ status: z.string() });

/** A gateway response frame. */
export type GatewayResponse = Extract<z.infer<typeof Frame>, { type: "res" }>;

/** An open, authenticated gateway connection. */
export interface GatewayConnection {
  hello: GatewayResponse;
  /** Sends one request; with expectFinal, skips the interim {status:"accepted"} reply. */
  call(
    method: string,
    params?: unknown,
    opts?: { expectFinal?: boolean; timeoutMs?: number },
  ): Promise<GatewayResponse>;
  close(): void;
}

/** Connects to ws://127.0.0.1:PORT with the shared gateway token. */
export function connectGateway(
  url: string,
  token: string,
  scopes: string[] = ["operator.admin"],
  timeoutMs = 15000,
): Promise<GatewayConnection> {
  const ws = new WebSocket(url);
  const pending = new Map<
    string,
    { resolve: (r: GatewayResponse) => void; expectFinal: boolean }
  >();
  let seq = 0;
  const send = (method: string, params: unknown, expectFinal = false) => {
    const id = `r${++seq}`;
    const p = new Promise<GatewayResponse>((resolve) =>
      pending.set(id, { resolve, expectFinal })
    );
    ws.send(JSON.stringify({ type: "req", id, method, params }));
    return p;
  };
  const onResponse = (frame: GatewayResponse) => {
    const p = pending.get(frame.id);
    if (!p) return;
    const status = Accepted.safeParse(frame.payload).data?.status;
    if (p.expectFinal && frame.ok && status === "accepted") return;
    pending.delete(frame.id);
    p.resolve(frame);
  };
  return new Promise((resolve, reject) => {
    const connectTimer = setTimeout(() => {
      ws.close();
      reject(new Error("gateway connect timeout"));
    }, timeoutMs);
    const cancelConnect = () => clearTimeout(connectTimer);
    ws.onerror = (e) => {
      cancelConnect();
      reject(new Error(`gateway ws error: ${(e as ErrorEvent).message}`));
    };
    ws.onmessage = async (ev) => {
      const frame = Frame.safeParse(JSON.parse(String(ev.data))).data;
      if (!frame) return;
      if (frame.type === "res") onResponse(frame);
      if (frame.type !== "event" || frame.event !== "connect.challenge") return;
      const hello = await send("connect", {
        minProtocol: 4,
        maxProtocol: 4,
        client: {
          id: "gateway-client",
          version: "sync-oauth-token",
          platform: Deno.build.os,
          mode: "backend",
        },
        role: "operator",
        scopes,
        auth: { token },
      });
      cancelConnect();
      if (!hello.ok) {
        ws.close();
        reject(
          new Error(`gateway connect rejected: ${JSON.stringify(hello.error)}`),
        );
        return;
      }
      resolve({
        hello,
        call: (method, params = {}, opts = {}) =>
          within(
            send(method, params, opts.expectFinal),
            opts.timeoutMs ?? 30000,
            `${method} timeout`,
          ),
        close: () => ws.close(),
      });
    };
  });
}
