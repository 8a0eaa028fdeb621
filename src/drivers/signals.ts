/** Signals a long-running driver answers: SIGTERM and SIGINT stop it, SIGHUP re-reads the configuration. */

/** What a driver does on a signal. */
export interface SignalHandlers {
  stop: () => void;
  reload?: () => void;
}

/** Listens for the signals until the result is called. */
export function onSignals(handlers: SignalHandlers): () => void {
  const listeners: [Deno.Signal, () => void][] = [
    ["SIGTERM", handlers.stop],
    ["SIGINT", handlers.stop],
  ];
  if (handlers.reload) listeners.push(["SIGHUP", handlers.reload]);
  for (const [signal, fn] of listeners) Deno.addSignalListener(signal, fn);
  return () => {
    for (const [signal, fn] of listeners) {
      Deno.removeSignalListener(signal, fn);
    }
  };
}
