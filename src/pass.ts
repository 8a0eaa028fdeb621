import { basename, dirname, join } from "./paths.ts";
import {
  composeBase,
  detectCompose,
  restartGateway,
  restartSteps,
} from "./compose.ts";
import type { Config } from "./config.ts";
import type { Login } from "./credentials.ts";
import {
  ExitCode,
  messageOf,
  notPermitted,
  passExitCode,
  SyncError,
} from "./errors.ts";
import { readTextIfExists, writeFileAtomic } from "./files.ts";
import { fingerprint } from "./fingerprint.ts";
import type { Logger } from "./log.ts";
import type { Runner } from "./process.ts";
import { type LockOptions, withLocks } from "./lock.ts";
import {
  deliverToOpenClaw,
  type OpenClawDeps,
  routeFor,
} from "./openclaw/deliver.ts";
import type { Route } from "./openclaw/route.ts";
import { authProfilesSink } from "./sinks/auth_profiles.ts";
import { withSinkLocks } from "./sink_lock.ts";
import { envFileSink } from "./sinks/env_file.ts";
import { oauthJsonSink } from "./sinks/oauth_json.ts";
import type { FileSink, Held, Rendered } from "./sinks/sink.ts";

/** The edges a pass touches besides files: processes, the log, what the process remembers of OpenClaw, and who hears each pass's outcome. */
export interface PassDeps extends OpenClawDeps {
  run: Runner;
  log: Logger;
  observe?: (outcome: PassOutcome) => void;
}

/** What one whole pass did: the login, its delivery and the restart's error, if any. */
export interface PassOutcome {
  login: Login;
  delivery: Delivery;
  restartError?: SyncError;
}

/** The file sinks of a delivery route, in delivery order. */
export function configuredSinks(config: Config, route: Route): FileSink[] {
  const env = config.envFile
    ? [envFileSink(config.envFile, config.envKey, config.create)]
    : [];
  switch (route) {
    case "cli":
      return [];
    case "auth-profiles":
      return config.openclawState
        ? [authProfilesSink(config.openclawState)]
        : [];
    case "legacy":
      return [
        ...(config.oauthJson ? [oauthJsonSink(config.oauthJson)] : []),
        ...env,
      ];
    case "env-only":
      return env;
  }
}

/** What one sink holds and its new text, or no text when it already holds the login. */
export interface Decision {
  held: Held;
  next?: Rendered;
}

/** Decides whether a sink's content would change, comparing tokens rather than bytes; throws when it must not be written. */
export function decide(
  sink: FileSink,
  text: string | undefined,
  login: Login,
): Decision {
  return { held: sink.held(text), next: sink.render(text, login) };
}

/** Any thrown value as a SyncError of a failed delivery. */
function asDeliveryError(err: unknown, path: string): SyncError {
  if (err instanceof SyncError) return err;
  return notPermitted(err) ??
    new SyncError(`${path}: ${messageOf(err)}`, ExitCode.deliveryFailed);
}

/** The marker that remembers a gateway restart still owed after the env file changed. */
export function restartMarker(envFile: string): string {
  return join(dirname(envFile), `.${basename(envFile)}.restart-pending`);
}

/** Whether an earlier pass left a gateway restart owed (its marker exists). */
export async function restartPending(config: Config): Promise<boolean> {
  if (!config.envFile) return false;
  return await Deno.lstat(restartMarker(config.envFile)).then(
    () => true,
    () => false,
  );
}

/** Outcome of a delivery: the sinks that changed, what failed, and whether a restart is owed. */
export interface Delivery {
  changed: { name: string; path: string }[];
  failures: SyncError[];
  restartOwed: boolean;
}

/** Reads one sink, decides and writes it; returns whether it changed (or would, in a dry run). */
async function deliverSink(
  config: Config,
  sink: FileSink,
  login: Login,
  deps: PassDeps,
  oweRestart: () => Promise<() => Promise<void>>,
): Promise<boolean> {
  const d = decide(sink, await readTextIfExists(sink.path), login);
  const where = { sink: sink.name, path: sink.path };
  if (!d.next) {
    deps.log.debug("already current", where);
    return false;
  }
  const change = {
    ...where,
    from: d.held.accessToken ? fingerprint(d.held.accessToken) : "(none)",
    to: fingerprint(login.accessToken),
    expiresAt: login.expiresAt,
  };
  if (config.dryRun) {
    deps.log.info("would update", change);
    if (sink.recreatesGateway) await oweRestart();
    return true;
  }
  await sink.preflight?.();
  const undo = sink.recreatesGateway ? await oweRestart() : undefined;
  let notes: string[];
  try {
    notes = await writeFileAtomic(sink.path, d.next.text);
  } catch (err) {
    await undo?.(); // the file did not change: no restart owed for it
    throw err;
  }
  for (const w of [...notes, ...d.next.warnings]) deps.log.warn(w, where);
  deps.log.info("updated", change);
  return true;
}

/** Lock options for a sink owner's lock: a few seconds of patience, then give up. */
function ownerLock(staleMs: number): LockOptions {
  return { staleMs, retries: 40, retryDelayMs: 250 };
}

/** Delivers the login along the configured route: every file sink, or OpenClaw's CLI; records a restart the gateway now owes. */
export async function deliverLogin(
  config: Config,
  login: Login,
  deps: PassDeps,
): Promise<Delivery> {
  const route = await routeFor(config, deps);
  if (route.fresh || config.dryRun) {
    deps.log.info("delivery route", { route: route.route, why: route.why });
  }
  const sinks = configuredSinks(config, route.route);
  const restarts = config.restart !== "none" &&
    sinks.some((s) => s.recreatesGateway);
  const delivery: Delivery = {
    changed: [],
    failures: [],
    restartOwed: restarts && await restartPending(config),
  };
  /** Records that the gateway owes a restart; returns how to take that back when the write fails. */
  const oweRestart = async () => {
    const owedBefore = delivery.restartOwed;
    if (restarts && !config.dryRun && config.envFile) {
      await writeFileAtomic(restartMarker(config.envFile), "");
    }
    delivery.restartOwed ||= restarts;
    return async () => {
      if (owedBefore || !restarts) return;
      delivery.restartOwed = false;
      await clearRestartMarker(config);
    };
  };
  const fail = (err: unknown, sink: string, path: string) => {
    const error = asDeliveryError(err, path);
    deps.log.error(error.message, { sink, path });
    delivery.failures.push(error);
  };
  // Under the sinks' directory locks (src/sink_lock.ts) no other agent
  // interleaves a write; the sinks are independent files, written side by
  // side, so a change costs the slowest write (fsyncs) rather than their sum.
  await withSinkLocks(
    sinks.map((s) => s.path),
    () =>
      Promise.all(sinks.map(async (sink) => {
        const once = () => deliverSink(config, sink, login, deps, oweRestart);
        try {
          const changed = sink.lock
            ? await withLocks(
              [[sink.lock.path, ownerLock(sink.lock.staleMs)]],
              once,
            )
            : await once();
          if (changed) {
            delivery.changed.push({ name: sink.name, path: sink.path });
          }
        } catch (err) {
          fail(err, sink.name, sink.path);
        }
      })),
  ).catch((err) => fail(err, "sinks", sinks.map((s) => s.path).join(", ")));
  if (route.cli) {
    try {
      const path = await deliverToOpenClaw(config, route.cli, login, deps);
      if (path) delivery.changed.push({ name: "openclaw", path });
    } catch (err) {
      fail(err, "openclaw", route.cli.prefix.join(" "));
    }
  }
  return delivery;
}

/** Forgets the owed restart once it ran. */
export async function clearRestartMarker(config: Config): Promise<void> {
  if (config.envFile && !config.dryRun) {
    await Deno.remove(restartMarker(config.envFile)).catch(() => {});
  }
}

/** Restarts the gateway as configured; dry runs only say what would run. Returns the error, if any. */
export async function runRestart(
  config: Config,
  deps: PassDeps,
): Promise<SyncError | undefined> {
  if (config.dryRun) {
    const base = composeBase(await detectCompose(deps.run), config);
    for (const step of restartSteps(config)) {
      deps.log.info("would run", {
        command: [...base, ...step].join(" "),
        cwd: config.composeDir,
      });
    }
    return undefined;
  }
  try {
    await restartGateway(deps.run, config);
    deps.log.info("gateway recreated", {
      service: config.service,
      restart: config.restart,
    });
    return undefined;
  } catch (err) {
    const error = asDeliveryError(err, config.composeDir ?? ".");
    deps.log.error(`${error.message}; files are synced, will retry`, {
      service: config.service,
    });
    return error;
  }
}

/** One whole pass for a login: deliver to every sink, then restart the gateway when owed. Returns the exit code. */
export async function syncLogin(
  config: Config,
  login: Login,
  deps: PassDeps,
): Promise<number> {
  const delivery = await deliverLogin(config, login, deps);
  const restartError = delivery.restartOwed
    ? await runRestart(config, deps)
    : undefined;
  if (delivery.restartOwed && !restartError) await clearRestartMarker(config);
  if (
    delivery.changed.length === 0 && !delivery.restartOwed &&
    delivery.failures.length === 0
  ) {
    deps.log.info("nothing to do: every sink holds the current token", {
      token: fingerprint(login.accessToken),
      expiresAt: login.expiresAt,
    });
  }
  deps.observe?.({ login, delivery, restartError });
  return passExitCode([...delivery.failures, restartError]);
}
