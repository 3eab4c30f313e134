import { styleText } from 'node:util';

/** Where the local stack reports progress. */
export interface StackLog {
  info(message: string): void;
  warn(message: string): void;
}

/** Progress lines on stderr, labelled `[label]` (coloured when stderr is a terminal). */
export function createConsoleLog(label = 'stack'): StackLog {
  const prefix = styleText('cyan', `[${label}]`, { stream: process.stderr });
  return {
    info: (message) => process.stderr.write(`${prefix} ${message}\n`),
    warn: (message) =>
      process.stderr.write(`${prefix} ${styleText('yellow', message, { stream: process.stderr })}\n`),
  };
}

/** A log that drops everything. */
export function createSilentLog(): StackLog {
  return { info: () => undefined, warn: () => undefined };
}
