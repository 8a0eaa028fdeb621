/**
 * Mock Anthropic Messages API and OAuth token endpoint for OpenClaw tests.
 *
 * Usage: deno run --allow-net=127.0.0.1 --allow-write mock_anthropic.ts LOG.jsonl
 * Listens on 127.0.0.1 (port 0 unless MOCK_PORT is set), prints the port as
 * the first stdout line, and appends one JSON line per request to LOG.jsonl:
 * {ts, method, path, authorization, xApiKey, anthropicBeta, body?}.
 * POST /v1/messages answers a minimal SSE stream (or JSON when stream=false).
 * POST /v1/oauth/token answers 400 invalid_grant unless MOCK_TOKEN_OK=1.
 */

/** One recorded request, as written to the JSON-lines log. */
export interface MockRecord {
  ts: number;
  method: string;
  path: string;
  authorization: string | null;
  xApiKey: string | null;
  anthropicBeta: string | null;
  body?: unknown;
}

function sse(model: string): string {
  const ev = (type: string, data: unknown) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data as object })}\n\n`;
  const usage = { input_tokens: 3, output_tokens: 2 };
  return [
    ev("message_start", {
      message: {
        id: "msg_mock",
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage,
      },
    }),
    ev("content_block_start", {
      index: 0,
      content_block: { type: "text", text: "" },
    }),
    ev("content_block_delta", {
      index: 0,
      delta: { type: "text_delta", text: "mock-ok" },
    }),
    ev("content_block_stop", { index: 0 }),
    ev("message_delta", {
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage,
    }),
    ev("message_stop", {}),
  ].join("");
}

/** Starts the mock server; returns the port and a shutdown function. */
export function startMock(
  logPath: string,
  port = 0,
): { port: number; shutdown: () => Promise<void> } {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, onListen: () => {} },
    async (req) => {
      const url = new URL(req.url);
      const text = req.method === "POST" ? await req.text() : "";
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const isToken = url.pathname.endsWith("/oauth/token");
      const rec: MockRecord = {
        ts: Date.now(),
        method: req.method,
        path: url.pathname,
        authorization: req.headers.get("authorization"),
        xApiKey: req.headers.get("x-api-key"),
        anthropicBeta: req.headers.get("anthropic-beta"),
        ...(isToken ? { body } : {}),
      };
      await Deno.writeTextFile(logPath, JSON.stringify(rec) + "\n", {
        append: true,
      });
      if (isToken) {
        if (Deno.env.get("MOCK_TOKEN_OK") === "1") {
          return Response.json({
            access_token: "sk-ant-oat01-" + "r".repeat(90),
            refresh_token: "sk-ant-ort01-" + "r".repeat(90),
            expires_in: 28800,
            token_type: "Bearer",
            scope: "user:inference user:profile",
          });
        }
        return Response.json({
          error: "invalid_grant",
          error_description: "mock",
        }, { status: 400 });
      }
      if (req.method === "POST" && url.pathname.endsWith("/v1/messages")) {
        const b = (body ?? {}) as { model?: string; stream?: boolean };
        const model = b.model ?? "claude-mock";
        if (b.stream === false) {
          return Response.json({
            id: "msg_mock",
            type: "message",
            role: "assistant",
            model,
            content: [{ type: "text", text: "mock-ok" }],
            stop_reason: "end_turn",
            usage: { input_tokens: 3, output_tokens: 2 },
          });
        }
        return new Response(sse(model), {
          headers: { "content-type": "text/event-stream" },
        });
      }
      return Response.json({ error: "not found" }, { status: 404 });
    },
  );
  return { port: server.addr.port, shutdown: () => server.shutdown() };
}

if (import.meta.main) {
  const logPath = Deno.args[0] ?? "mock_anthropic.jsonl";
  const { port } = startMock(logPath, Number(Deno.env.get("MOCK_PORT") ?? 0));
  console.log(port);
}
