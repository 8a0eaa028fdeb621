/**
 * Watch mode: the credentials source (src/drivers/source/) feeds the
 * scheduler (src/drivers/scheduler.ts), which runs the passes, until SIGTERM
 * or SIGINT; SIGHUP re-reads the configuration and follows it anew.
 */
import { messageOf } from "../lib/errors.ts";
import { sleep } from "../lib/time.ts";
import type { Settings } from "../config/settings.ts";
import { type Agent, pass } from "./agent.ts";
import { refreshIfDue } from "./refresh.ts";
import { Scheduler } from "./scheduler.ts";
import { onSignals } from "./signals.ts";
import { follow } from "./source/follow.ts";
import type { WatchFs } from "./source/native.ts";

/** What watch mode needs beyond the agent: how to re-read the configuration, and the watcher when a test replaces it. */
export interface WatchEdges {
  reload: () => Promise<Settings>;
  watchFs?: WatchFs;
}

/** Runs watch mode until SIGTERM or SIGINT: a pass at the start and after every change of the credentials file. */
export async function watch(agent: Agent, edges: WatchEdges): Promise<number> {
  const { log, recorder } = agent;
  const stop = new AbortController();
  let cycle = new AbortController();
  const scheduler = new Scheduler({
    pass: (restart) => pass(agent, { restart }),
    refresh: async (login) => {
      await refreshIfDue(agent, login, { force: false, pass: false });
    },
  }, {
    // read at each decision, so a re-read configuration applies at once
    get settle() {
      return agent.global.settle;
    },
    get refreshBefore() {
      return agent.global.refreshBefore;
    },
    lastRefreshAt: () => recorder.state.lastRefreshAt,
    isDead: (login) => recorder.isDead(login),
    log,
  });
  const stopListening = onSignals({
    stop: () => {
      log.info(
        scheduler.busy ? "stopping after the pass in flight" : "stopping",
      );
      stop.abort();
      cycle.abort();
    },
    reload: async () => {
      try {
        const settings = await edges.reload();
        agent.global = settings.global;
        agent.targets = settings.targets.map((t) => t.settings);
        log.info("configuration re-read");
      } catch (err) {
        log.error(
          `configuration not re-read, keeping the old one: ${messageOf(err)}`,
        );
        return;
      }
      cycle.abort();
    },
  });
  if (agent.global.dryRun) {
    log.info(
      "dry run: following changes and saying what each would change, touching nothing (stop with Ctrl-C; --once for one pass)",
    );
  }
  log.info("watching", { path: agent.global.credentials });
  try {
    while (!stop.signal.aborted) {
      cycle = new AbortController();
      const changes = follow(agent.global.credentials, {
        poll: agent.global.poll,
        pollInterval: agent.global.pollInterval,
        signal: cycle.signal,
        log,
        onMode: (mode) => recorder.setMode(mode),
        watchFs: edges.watchFs,
      });
      for await (const _ of changes) scheduler.changed();
      if (!stop.signal.aborted && !cycle.signal.aborted) {
        await sleep(agent.global.pollInterval, stop.signal);
      }
    }
  } finally {
    stopListening();
    await scheduler.stop();
    await recorder.idle();
  }
  return 0;
}
