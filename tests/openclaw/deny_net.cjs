// Node preload (NODE_OPTIONS="--require /path/deny_net.cjs") that refuses
// every non-loopback connection, DNS lookup and fetch, and logs each refusal
// as a JSON line to $DENY_NET_LOG. Fetches to an Anthropic OAuth token
// endpoint are logged as {kind:"token-endpoint"} and, when
// $DENY_NET_TOKEN_URL is set (a loopback URL), forwarded there instead.
"use strict";
const fs = require("node:fs");
const net = require("node:net");
const dns = require("node:dns");

const LOG = process.env.DENY_NET_LOG;
const TOKEN_URL = process.env.DENY_NET_TOKEN_URL;
const TOKEN_HOSTS = new Set([
  "platform.claude.com",
  "console.anthropic.com",
  "api.anthropic.com",
  "claude.ai",
]);

function log(rec) {
  if (!LOG) return;
  try {
    fs.appendFileSync(
      LOG,
      JSON.stringify({ ts: Date.now(), pid: process.pid, ...rec }) + "\n",
    );
  } catch { /* ignore */ }
}

function isLoopback(host) {
  if (host === undefined || host === null || host === "") return true;
  const h = String(host).replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || h.startsWith("127.") ||
    h === "::ffff:127.0.0.1" || h.endsWith(".localhost");
}

function refused(host) {
  const err = new Error(`deny_net: connection to ${host} refused`);
  err.code = "ECONNREFUSED";
  return err;
}

// Sockets (covers http, https, tls, undici).
const origConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  let opts = args[0];
  if (Array.isArray(opts)) opts = opts[0];
  let host;
  if (opts && typeof opts === "object") {
    if (opts.path) return origConnect.apply(this, args);
    host = opts.host;
  } else if (typeof opts === "string" && isNaN(Number(opts))) {
    return origConnect.apply(this, args); // unix socket path
  } else host = typeof args[1] === "string" ? args[1] : undefined;
  if (!isLoopback(host)) {
    log({ kind: "socket", host, stack: new Error().stack.split("\n")[2] });
    process.nextTick(() => this.destroy(refused(host)));
    return this;
  }
  return origConnect.apply(this, args);
};

// DNS: fail fast instead of waiting for an offline resolver. An IP literal
// is no lookup at all (a server binding 0.0.0.0 or :: asks for one); where it
// may connect is still the sockets' check.
const lookupAllowed = (host) =>
  isLoopback(host) || net.isIP(String(host)) !== 0;
const origLookup = dns.lookup;
dns.lookup = function (hostname, options, cb) {
  if (typeof options === "function") [cb, options] = [options, {}];
  if (!lookupAllowed(hostname)) {
    log({ kind: "dns", host: hostname });
    const err = new Error(`deny_net: lookup ${hostname} refused`);
    err.code = "ENOTFOUND";
    process.nextTick(() => cb(err));
    return {};
  }
  return origLookup.call(this, hostname, options, cb);
};
const origPLookup = dns.promises.lookup;
dns.promises.lookup = function (hostname, options) {
  if (!lookupAllowed(hostname)) {
    log({ kind: "dns", host: hostname });
    const err = new Error(`deny_net: lookup ${hostname} refused`);
    err.code = "ENOTFOUND";
    return Promise.reject(err);
  }
  return origPLookup.call(this, hostname, options);
};

// fetch: log the URL, redirect token endpoint calls, refuse the rest.
if (typeof globalThis.fetch === "function") {
  const origFetch = globalThis.fetch;
  globalThis.fetch = function (input, init) {
    let url;
    try {
      url = new URL(
        typeof input === "string" || input instanceof URL
          ? String(input)
          : input.url,
      );
    } catch {
      return origFetch.call(this, input, init);
    }
    if (isLoopback(url.hostname)) return origFetch.call(this, input, init);
    if (
      TOKEN_HOSTS.has(url.hostname) && url.pathname.endsWith("/oauth/token")
    ) {
      log({ kind: "token-endpoint", url: url.href, method: init?.method });
      if (TOKEN_URL) {
        const req = input instanceof Request ? input : undefined;
        return origFetch.call(this, TOKEN_URL, req ? req : init);
      }
    } else log({ kind: "fetch", url: url.href });
    return Promise.reject(
      new TypeError(`fetch failed`, {
        cause: refused(url.hostname),
      }),
    );
  };
}
