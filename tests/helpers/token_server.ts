/** A loopback mock of the OAuth token endpoint with scripted answers; records every request. */

/** One scripted answer: status, JSON or raw body, headers, and an optional delay. */
export interface Answer {
  status?: number;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** A running mock token endpoint. */
export class TokenServer {
  readonly requests: {
    path: string;
    body: Record<string, unknown>;
    userAgent: string | null;
  }[] = [];
  #answers: Answer[] = [];
  #server: Deno.HttpServer<Deno.NetAddr>;

  constructor() {
    this.#server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: () => {},
    }, async (req) => {
      const url = new URL(req.url);
      this.requests.push({
        path: url.pathname,
        body: await req.json().catch(() => ({})),
        userAgent: req.headers.get("user-agent"),
      });
      const a = this.#answers.shift() ??
        { status: 500, json: { error: "unscripted" } };
      if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
      return new Response(a.body ?? JSON.stringify(a.json ?? {}), {
        status: a.status ?? 200,
        headers: {
          "content-type": a.body ? "text/html" : "application/json",
          ...a.headers,
        },
      });
    });
  }

  /** The URL of a path on this server. */
  url(path = "/v1/oauth/token"): string {
    return `http://127.0.0.1:${this.#server.addr.port}${path}`;
  }

  /** Queues answers, served in order. */
  script(...answers: Answer[]): void {
    this.#answers.push(...answers);
  }

  /** Stops the server. */
  async close(): Promise<void> {
    await this.#server.shutdown();
  }
}
