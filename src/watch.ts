import { dirname, resolve } from "./paths.ts";
import { backoffDelay, Coalescer } from "./coalesce.ts";
import { Deadline, sleep, Timers } from "./timer.ts";
import { releaseMemory } from "./memory.ts";
import type { Config } from "./config.ts";
import { ExitCode, messageOf } from "./errors.ts";
import type { Login } from "./credentials.ts";
import { clearRestartMarker, deliverLogin, runRestart } from "./pass.ts";
import {
  type RefreshDeps,
  refreshDueAt,
  refreshRetryDelay,
  refreshUnderLocks,
} from "./refresh.ts";
import { readCredentials } from "./source.ts";
import { failureKind } from "./state.ts";
import { TransientRefreshError } from "./token_endpoint.ts";
import {
  type FsEvent,
  isDirectoryGone,
  isRelevantEvent,
  mayCreatePath,
} from "./watch_events.ts";

/** First and largest delay between retries of a failing pass or restart. */
const RETRY_BASE_MS = 1_000;
const RETRY_CAP_MS = 60_000;

/** How long after its last pass or recreate the agent gives free memory back. */
const QUIET_MS = 2_000;

/** Watches a directory; injectable so the loop is tested without inotify. */
export type WatchFs = (dir: string) => AsyncIterable<FsEvent> & {
  close(): void;
};

/** The edges of watch mode beyond a refresh: the watcher and the configuration reload. */
export interface WatchDeps extends RefreshDeps {
  watchFs?: WatchFs;
  reload: () => Promise<Config>;
}

/** The identity of a file for polling: inode, size and mtime, or "absent". */
async function signature(path: string): Promise<string> {
  try {
    const s = await Deno.stat(path);
    return `${s.ino}:${s.size}:${s.mtime?.getTime()}`;
  } catch {
    return "absent";
  }
}

/** The nearest directory at or above path that exists. */
async function nearestExisting(path: string): Promise<string> {
  for (let p = path;; p = dirname(p)) {
    if (await signature(p) !== "absent" || p === dirname(p)) return p;
  }
}

/** Runs watch mode until SIGTERM or SIGINT: one pass, then a pass after every change of the credentials file. */
export async function watch(initial: Config, deps: WatchDeps): Promise<number> {
  const { log, tracker } = deps;
  const watchFs: WatchFs = deps.watchFs ??
    ((dir) => Deno.watchFs(dir, { recursive: false }));
  let config = initial;
  const stop = new AbortController();
  let cycle = new AbortController();
  const timers = new Timers();
  let passFailures = 0;
  let restartFailures = 0;
  let owed = 0;
  let refreshFailures = 0;
  const quiet = new Deadline(() => {
    const released = releaseMemory();
    if (released) log.debug("gave free memory back", { ...released });
  });
  /** The job, then the quiet clock restarted: memory goes back once passes and recreates stop. */
  const thenQuiet = (job: () => Promise<void>) => async () => {
    try {
      await job();
    } finally {
      quiet.set(Date.now() + QUIET_MS);
    }
  };

  /**
   * Refresh-ahead: refreshes the login when it enters the refresh window; a
   * new token resets the clock; a refresh token the endpoint refused is never
   * sent again.
   */
  let refreshing: Login | undefined;
  const refreshAhead = new Deadline(async () => {
    const login = refreshing!;
    try {
      await refreshUnderLocks(config, deps, false);
      refreshFailures = 0;
      passes.request();
    } catch (err) {
      const kind = failureKind(err, "refresh");
      tracker.failed(kind, err, login, { pass: kind === "login_ended" });
      if (!(err instanceof TransientRefreshError)) {
        log.error(`refresh-ahead stopped: ${messageOf(err)}`, {
          path: config.credentials,
        });
        return;
      }
      const retry = refreshRetryDelay(refreshFailures++, err);
      log.warn(`${err.message}; retrying`, { inMs: retry });
      scheduleRefresh(login, retry);
    }
  });

  /** Sets the refresh-ahead for a login: when it is due, or after delay. */
  function scheduleRefresh(login: Login, delay?: number): void {
    refreshing = login;
    if (tracker.isDead(login)) return refreshAhead.clear();
    refreshAhead.set(
      delay === undefined
        ? refreshDueAt(login, config.refreshBefore, tracker.state.lastRefreshAt)
        : Date.now() + delay,
    );
  }

  /** Recreates once --settle has passed since the last pass that owed a recreate. */
  const settle = new Deadline(() => restarts.request());
  const restarts = new Coalescer(thenQuiet(async () => {
    const generation = owed;
    const error = await runRestart(config, deps);
    if (error) {
      tracker.failed("restart", error);
      const delay = backoffDelay(
        restartFailures++,
        RETRY_BASE_MS,
        RETRY_CAP_MS,
      );
      timers.after(delay, () => restarts.request());
      return;
    }
    tracker.recreated();
    restartFailures = 0;
    if (owed === generation) await clearRestartMarker(config);
  }));

  const passes = new Coalescer(thenQuiet(async () => {
    if (stop.signal.aborted) return;
    try {
      const { login } = await readCredentials(config.credentials);
      scheduleRefresh(login);
      const delivery = await deliverLogin(config, login, deps);
      tracker.passed(login, delivery.changed, delivery.failures[0]);
      if (delivery.restartOwed) {
        owed++;
        settle.set(Date.now() + config.settle);
      }
      if (delivery.failures.length === 0) {
        passFailures = 0;
        return;
      }
      const delay = backoffDelay(passFailures++, RETRY_BASE_MS, RETRY_CAP_MS);
      log.warn("pass failed; retrying", { inMs: delay });
      timers.after(delay, () => passes.request());
    } catch (err) {
      tracker.passFailed(failureKind(err, "source"), err);
      log.error(`${messageOf(err)}; waiting for the next change`, {
        path: config.credentials,
      });
    }
  }));

  /** Polls the credentials file until the cycle ends. */
  async function poll(target: string, why: string): Promise<void> {
    tracker.setMode("poll");
    log.warn(`polling ${target} every ${config.pollInterval} ms: ${why}`);
    let last = await signature(target);
    passes.request();
    while (!cycle.signal.aborted) {
      await sleep(config.pollInterval, cycle.signal);
      const now = await signature(target);
      if (now !== last) {
        last = now;
        passes.request();
      }
    }
  }

  /** Iterates a watcher from `dir` until it ends, the cycle is aborted, or onEvent returns false. */
  async function follow(
    dir: string,
    onReady: () => void,
    onEvent: (e: FsEvent) => boolean,
  ): Promise<void> {
    const watcher = watchFs(dir);
    const close = () => watcher.close();
    cycle.signal.addEventListener("abort", close, { once: true });
    try {
      onReady();
      for await (const event of watcher) if (!onEvent(event)) break;
    } finally {
      cycle.signal.removeEventListener("abort", close);
      close();
    }
  }

  /** Watches the credentials directory (or the nearest parent while it is missing) until the cycle ends. */
  async function watchLoop(): Promise<void> {
    let waiting = false;
    while (!cycle.signal.aborted) {
      const target = resolve(config.credentials);
      const dir = dirname(target);
      if (config.poll) return await poll(target, "--poll is set");
      try {
        const parent = await nearestExisting(dir);
        if (parent !== dir) {
          if (!waiting) log.warn(`waiting for ${dir} to appear`);
          waiting = true;
          await follow(
            parent,
            () => {},
            (e) =>
              !mayCreatePath(e, parent, dir) && !isDirectoryGone(e, parent),
          );
          continue;
        }
        if (waiting) log.info(`${dir} appeared; watching it`);
        waiting = false;
        tracker.setMode("watch");
        await follow(dir, () => passes.request(), (e) => {
          if (isDirectoryGone(e, dir)) return false;
          if (isRelevantEvent(e, target)) passes.request();
          return true;
        });
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) continue;
        return await poll(
          target,
          `watching is not possible (${messageOf(err)})`,
        );
      }
    }
  }

  /** Re-reads the configuration and restarts the watcher with it. */
  async function reload(): Promise<void> {
    try {
      config = await deps.reload();
      log.info("configuration re-read");
    } catch (err) {
      log.error(
        `configuration not re-read, keeping the old one: ${messageOf(err)}`,
      );
      return;
    }
    cycle.abort();
  }

  const stopped = new Promise<void>((done) => {
    stop.signal.addEventListener("abort", () => done(), { once: true });
  });
  const onStop = () => {
    log.info("stopping after the write in flight");
    stop.abort();
    cycle.abort();
  };
  const signals: [Deno.Signal, () => void][] = [
    ["SIGTERM", onStop],
    ["SIGINT", onStop],
    ["SIGHUP", () => void reload()],
  ];
  for (const [sig, fn] of signals) Deno.addSignalListener(sig, fn);
  log.info("watching", { path: resolve(config.credentials) });
  try {
    while (!stop.signal.aborted) {
      cycle = new AbortController();
      await Promise.race([watchLoop(), stopped]);
      if (!stop.signal.aborted && !cycle.signal.aborted) {
        await sleep(config.pollInterval, stop.signal);
      }
    }
  } finally {
    for (const [sig, fn] of signals) Deno.removeSignalListener(sig, fn);
    timers.cancelAll();
    await passes.idle();
    await restarts.idle();
    for (const deadline of [settle, refreshAhead, quiet]) deadline.clear();
  }
  return ExitCode.ok;
}
