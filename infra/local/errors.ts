/**
 * An expected failure of the local stack (a port in use, a missing tool, a service that would not
 * start). Its message is written for the person at the terminal, so command-line entry points print
 * the message alone, without a stack trace.
 */
export class StackError extends Error {
  override name = 'StackError';
}

/** The text to show for an error that stopped a command: the message of a StackError, else the stack. */
export function describeFailure(error: unknown): string {
  if (error instanceof StackError) return error.message;
  if (error instanceof AggregateError) return error.errors.map(describeFailure).join('\n\n');
  if (error instanceof Error) return error.stack ?? error.message;
  return String(error);
}
