/**
 * The gateway's WebSocket API asked from inside its own container, where it
 * is loopback: a gateway in a container reached through a published port
 * sees docker's proxy, not loopback, and grants the shared token no scopes
 * (models.authRefresh and models.authStatus are then refused). So the tool
 * runs a small WebSocket client with the container's own `node`
 * (`docker exec -i <id> node -e …`, about 0.3 s of start-up): the request
 * (URL, token, whether to reload) goes on standard input, never in argv;
 * the answer (the server's version, the scopes granted, Anthropic's entry
 * of models.authStatus; no token) comes back as one JSON line.
 */
import { jsonOf, lenient } from "../lib/untrusted.ts";
import * as z from "../lib/zod/zod.js";
import type { Runner } from "../lib/process.ts";

/** The client run by the container's node (Node 22 and later have a global WebSocket). */
export const IN_CONTAINER_CLIENT = `
let input = "";
process.stdin.on("data", (d) => input += d).on("end", () => {
  const { url, token, refresh, timeoutMs } = JSON.parse(input);
  const out = {};
  const done = (error) => {
    if (error) out.error = error;
    process.stdout.write(JSON.stringify(out) + "\\n");
    process.exit(0);
  };
  if (typeof WebSocket !== "function") return done("this node has no WebSocket");
  setTimeout(() => done("timed out"), timeoutMs);
  const ws = new WebSocket(url);
  ws.onerror = (e) => done("cannot connect to " + url + (e.message ? ": " + e.message : ""));
  let seq = 0;
  const pending = new Map();
  const call = (method, params) => new Promise((resolve) => {
    const id = "r" + ++seq;
    pending.set(id, resolve);
    ws.send(JSON.stringify({ type: "req", id, method, params }));
  });
  const said = (r) => r.error ? (r.error.code || "") + " " + (r.error.message || "") : "";
  ws.onmessage = async (ev) => {
    const m = JSON.parse(String(ev.data));
    if (m.type === "res") {
      if (m.payload && m.payload.status === "accepted") return;
      const resolve = pending.get(m.id);
      pending.delete(m.id);
      if (resolve) resolve(m);
      return;
    }
    if (m.type !== "event" || m.event !== "connect.challenge") return;
    const hello = await call("connect", {
      minProtocol: 4, maxProtocol: 4,
      client: { id: "gateway-client", version: "sync-oauth-token", platform: process.platform, mode: "backend" },
      role: "operator", scopes: ["operator.admin"], auth: { token },
    });
    if (!hello.ok) return done("connect refused: " + said(hello));
    out.version = hello.payload && hello.payload.server && hello.payload.server.version;
    out.scopes = (hello.payload && hello.payload.auth && hello.payload.auth.scopes) || [];
    if (refresh) {
      const r = await call("models.authRefresh", { operation: "login" });
      out.refreshed = r.ok;
      if (!r.ok) {
        const s = await call("models.authStatus", { refresh: true });
        if (!s.ok) return done("models.authRefresh refused: " + said(r));
      }
    }
    const status = await call("models.authStatus", {});
    if (!status.ok) return done("models.authStatus refused: " + said(status));
    const providers = (status.payload && status.payload.providers) || [];
    out.status = { providers: providers.filter((p) => p.provider === "anthropic") };
    done();
  };
});
`;

/** The client's answer. */
export const ClientAnswer = z.object({
  version: lenient(z.string()),
  scopes: lenient(z.array(z.string())),
  refreshed: lenient(z.boolean()),
  status: z.optional(z.unknown()),
  error: lenient(z.string()),
});

/** What the gateway answered the in-container client. */
export type ClientAnswer = z.infer<typeof ClientAnswer>;

/** What the client asks: the gateway's URL inside the container, its token, and whether to have it reload its auth first. */
export interface ClientRequest {
  url: string;
  token: string;
  refresh: boolean;
  timeoutMs: number;
}

/** Runs the client in the container; throws when it cannot run or does not answer in its shape. */
export async function askInContainer(
  run: Runner,
  container: string,
  request: ClientRequest,
): Promise<ClientAnswer> {
  const r = await run(
    ["docker", "exec", "-i", container, "node", "-e", IN_CONTAINER_CLIENT],
    { stdin: JSON.stringify(request), timeoutMs: request.timeoutMs + 10_000 },
  );
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  const parsed = ClientAnswer.safeParse(jsonOf(line));
  if (r.code === 0 && !r.timedOut && parsed.success) return parsed.data;
  const why = r.timedOut
    ? "timed out"
    : r.stderr.trim().split("\n").at(-1) || `exit code ${r.code}`;
  throw new Error(
    `docker exec ${
      container.slice(0, 12)
    } node (the gateway's WebSocket from inside its container): ${why}`,
  );
}
