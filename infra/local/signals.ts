export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * A repeat within this time is the same request: the terminal signals the whole foreground process
 * group on Ctrl-C, and tsx's CLI relays the signal it receives to the script as well, so one Ctrl-C
 * often arrives twice.
 */
const SAME_REQUEST_MS = 1_000;

/**
 * Calls `onStop` on the first SIGINT, SIGTERM or SIGHUP, and `onForce` when another one comes later
 * (a second Ctrl-C). Returns a function that removes the handlers.
 */
export function onStopSignals(
  onStop: (signal: NodeJS.Signals) => void,
  onForce: (signal: NodeJS.Signals) => void,
): () => void {
  let firstAt: number | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (firstAt === undefined) {
      firstAt = Date.now();
      onStop(signal);
    } else if (Date.now() - firstAt >= SAME_REQUEST_MS) {
      onForce(signal);
    }
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  return () => {
    for (const signal of STOP_SIGNALS) process.off(signal, handler);
  };
}
