import { basename, dirname, join } from "node:path";
import {
  composeBase,
  detectCompose,
  restartGateway,
  restartSteps,
} from "./compose.ts";
import type { Config } from "./config.ts";
import type { Login } from "./credentials.ts";
import { ExitCode, messageOf, SyncError } from "./errors.ts";
import { readTextIfExists, writeFileAtomic } from "./files.ts";
import { fingerprint } from "./fingerprint.ts";
import type { Logger } from "./log.ts";
import type { Runner } from "./process.ts";
import { withSinkLocks } from "./sink_lock.ts";
import { envFileSink } from "./sinks/env_file.ts";
import { oauthJsonSink } from "./sinks/oauth_json.ts";
import type { FileSink, Held, Rendered } from "./sinks/sink.ts";

/** The edges a pass touches besides files: processes and the log. */
export interface PassDeps {
  run: Runner;
  log: Logger;
}

/** The file sinks the configuration names, in delivery order. */
export function configuredSinks(config: Config): FileSink[] {
  return [
    ...(config.oauthJson ? [oauthJsonSink(config.oauthJson)] : []),
    ...(config.envFile
      ? [envFileSink(config.envFile, config.envKey, config.create)]
      : []),
  ];
}

/** What one sink will get: its new text, nothing (already current), or the error that stops it. */
export interface Decision {
  sink: FileSink;
  held: Held;
  next?: Rendered;
  error?: SyncError;
}

/** Decides, per sink, whether its content would change, comparing tokens rather than bytes. */
export function decide(
  current: { sink: FileSink; text: string | undefined }[],
  login: Login,
): Decision[] {
  return current.map(({ sink, text }) => {
    try {
      return { sink, held: sink.held(text), next: sink.render(text, login) };
    } catch (err) {
      return { sink, held: {}, error: asDeliveryError(err, sink.path) };
    }
  });
}

/** Any thrown value as a SyncError of a failed delivery. */
function asDeliveryError(err: unknown, path: string): SyncError {
  return err instanceof SyncError
    ? err
    : new SyncError(`${path}: ${messageOf(err)}`, ExitCode.deliveryFailed);
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

/** Outcome of delivering files: what changed, what failed, and whether a restart is owed. */
export interface Delivery {
  changed: FileSink[];
  failures: SyncError[];
  restartOwed: boolean;
}

/** Writes the login into every sink that does not hold it yet, under the sinks' locks (src/sink_lock.ts). */
export async function deliverFiles(
  config: Config,
  login: Login,
  deps: PassDeps,
): Promise<Delivery> {
  return await withSinkLocks(
    configuredSinks(config).map((s) => s.path),
    () => deliverUnlocked(config, login, deps),
  );
}

/** Writes the login into every sink that does not hold it yet, and records a restart the gateway now owes. */
async function deliverUnlocked(
  config: Config,
  login: Login,
  deps: PassDeps,
): Promise<Delivery> {
  const sinks = configuredSinks(config);
  const delivery: Delivery = { changed: [], failures: [], restartOwed: false };
  const marker = config.envFile ? restartMarker(config.envFile) : undefined;
  const restarts = config.restart !== "none";
  delivery.restartOwed = restarts && await restartPending(config);
  const current = [];
  for (const sink of sinks) {
    try {
      current.push({ sink, text: await readTextIfExists(sink.path) });
    } catch (err) {
      const error = asDeliveryError(err, sink.path);
      deps.log.error(error.message, { sink: sink.name, path: sink.path });
      delivery.failures.push(error);
    }
  }
  for (const d of decide(current, login)) {
    const where = { sink: d.sink.name, path: d.sink.path };
    if (d.error) {
      deps.log.error(d.error.message, where);
      delivery.failures.push(d.error);
      continue;
    }
    if (!d.next) {
      deps.log.debug("already current", where);
      continue;
    }
    const change = {
      ...where,
      from: d.held.accessToken ? fingerprint(d.held.accessToken) : "(none)",
      to: fingerprint(login.accessToken),
    };
    if (config.dryRun) {
      deps.log.info("would update", change);
      delivery.changed.push(d.sink);
      continue;
    }
    const owedBefore = delivery.restartOwed;
    try {
      await d.sink.preflight?.();
      if (d.sink.recreatesGateway && restarts && marker) {
        await writeFileAtomic(marker, "");
        delivery.restartOwed = true;
      }
      const notes = await writeFileAtomic(d.sink.path, d.next.text);
      for (const w of [...notes, ...d.next.warnings]) deps.log.warn(w, where);
      deps.log.info("updated", change);
      delivery.changed.push(d.sink);
    } catch (err) {
      if (delivery.restartOwed && !owedBefore) {
        delivery.restartOwed = false; // the file did not change: no restart owed
        await clearRestartMarker(config);
      }
      const error = asDeliveryError(err, d.sink.path);
      deps.log.error(error.message, where);
      delivery.failures.push(error);
    }
  }
  if (config.dryRun) {
    delivery.restartOwed ||= restarts &&
      delivery.changed.some((s) => s.recreatesGateway);
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
  const delivery = await deliverFiles(config, login, deps);
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
    });
  }
  return delivery.failures.length > 0 || restartError
    ? ExitCode.deliveryFailed
    : ExitCode.ok;
}
