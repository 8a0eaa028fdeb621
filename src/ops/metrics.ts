/**
 * --metrics-listen: Prometheus text on /metrics and a health answer on
 * /healthz, served from the Recorder's state and counters.
 */
import type { ListenAddress } from "../config/options.ts";
import { messageOf, usageError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import type { Counters } from "./recorder.ts";
import {
  type AgentState,
  currentLoginEnded,
  FAILURE_KINDS,
  health,
  type Mode,
} from "./state.ts";

const PREFIX = "sync_oauth_token_";
const MODES: readonly Mode[] = ["watch", "poll", "timer"];

/** One metric family: HELP, TYPE and its samples (a sample without labels is `["", value]`). */
function family(
  name: string,
  type: "gauge" | "counter",
  help: string,
  samples: [string, number | undefined][],
): string {
  const lines = [
    `# HELP ${PREFIX}${name} ${help}`,
    `# TYPE ${PREFIX}${name} ${type}`,
  ];
  for (const [labels, value] of samples) {
    if (value !== undefined) lines.push(`${PREFIX}${name}${labels} ${value}`);
  }
  return lines.join("\n");
}

/** A target label (a target's name holds only letters, digits, '.', '_' and '-': nothing to escape). */
function label(target: string): string {
  return `{target="${target}"}`;
}

/** Unix milliseconds as Prometheus seconds; undefined stays undefined. */
function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

/** The metrics in Prometheus text format 0.0.4; unknown times are left out. */
export function renderMetrics(
  state: AgentState,
  counters: Counters,
  now: number,
): string {
  const expiresAt = state.token?.expiresAt;
  return [
    family(
      "expiry_timestamp_seconds",
      "gauge",
      "When the current access token expires (Unix time).",
      [["", seconds(expiresAt)]],
    ),
    family(
      "seconds_left",
      "gauge",
      "Seconds until the current access token expires (negative once expired).",
      [["", expiresAt === undefined ? undefined : (expiresAt - now) / 1000]],
    ),
    family(
      "last_sync_timestamp_seconds",
      "gauge",
      "When a pass last delivered successfully (Unix time).",
      [["", seconds(state.lastSyncAt)]],
    ),
    family(
      "last_refresh_timestamp_seconds",
      "gauge",
      "When the login was last refreshed at the token endpoint (Unix time).",
      [["", seconds(state.lastRefreshAt)]],
    ),
    family(
      "last_pass_success",
      "gauge",
      "1 when the last pass succeeded, 0 when it failed.",
      [["", state.lastPass && (state.lastPass.ok ? 1 : 0)]],
    ),
    family(
      "login_ended",
      "gauge",
      "1 when the token endpoint refused the current refresh token: log in again with claude.",
      [["", currentLoginEnded(state) ? 1 : 0]],
    ),
    family("passes_total", "counter", "Passes run since start.", [[
      "",
      counters.passes,
    ]]),
    family(
      "failures_total",
      "counter",
      "Failures since start, by kind.",
      FAILURE_KINDS.map((k) => [`{kind="${k}"}`, counters.failures[k]]),
    ),
    family(
      "gateway_recreates_total",
      "counter",
      "Gateway recreates since start, by target.",
      Object.entries(counters.recreates).map(([t, n]) => [label(t), n]),
    ),
    family(
      "target_last_pass_success",
      "gauge",
      "1 when a target's last pass succeeded, 0 when it failed, by target.",
      Object.entries(state.targets ?? {}).map(([t, s]) => [
        label(t),
        s.lastPass && (s.lastPass.ok ? 1 : 0),
      ]),
    ),
    family(
      "target_last_sync_timestamp_seconds",
      "gauge",
      "When a pass last delivered to a target successfully (Unix time), by target.",
      Object.entries(state.targets ?? {}).map(([t, s]) => [
        label(t),
        seconds(s.lastSyncAt),
      ]),
    ),
    family(
      "target_failures_total",
      "counter",
      "Failed deliveries and gateway restarts since start, by target.",
      Object.entries(counters.targetFailures).map(([t, n]) => [label(t), n]),
    ),
    family(
      "mode",
      "gauge",
      "How the credentials are followed: 1 for the current mode.",
      MODES.map((m) => [`{mode="${m}"}`, state.mode === m ? 1 : 0]),
    ),
  ].join("\n") + "\n";
}

/** What the server reads on each request. */
export interface MetricsSource {
  state: AgentState;
  counters: Counters;
  now: () => number;
}

/** Answers one request: /metrics, /healthz, or 404. */
export function handleMetrics(req: Request, source: MetricsSource): Response {
  const path = new URL(req.url).pathname;
  if (req.method !== "GET" && req.method !== "HEAD") {
    return new Response("method not allowed\n", { status: 405 });
  }
  if (path === "/metrics") {
    return new Response(
      renderMetrics(source.state, source.counters, source.now()),
      {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      },
    );
  }
  if (path === "/healthz") {
    const h = health(source.state, source.now());
    return new Response(h.reason + "\n", {
      status: h.ok ? 200 : 503,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
  return new Response("not found: try /metrics or /healthz\n", {
    status: 404,
  });
}

/** A running metrics server. */
export interface MetricsServer {
  address: ListenAddress;
  close(): Promise<void>;
}

/** Serves /metrics and /healthz on the address; a port that cannot be bound is an error. */
export function serveMetrics(
  address: ListenAddress,
  source: MetricsSource,
  log: Logger,
): MetricsServer {
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: address.hostname,
      port: address.port,
      onListen: () => {},
    }, (req) => handleMetrics(req, source));
  } catch (err) {
    throw usageError(
      `--metrics-listen: cannot listen on ${address.hostname}:${address.port}: ${
        messageOf(err)
      }`,
    );
  }
  const bound = { hostname: address.hostname, port: server.addr.port };
  const host = bound.hostname.includes(":")
    ? `[${bound.hostname}]`
    : bound.hostname;
  log.info("serving /metrics and /healthz", {
    url: `http://${host}:${bound.port}`,
  });
  return { address: bound, close: () => server.shutdown() };
}
