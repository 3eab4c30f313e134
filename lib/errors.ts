/**
 * The one error type for expected failures: a code the web maps to an HTTP status, a message for logs,
 * and a message safe to show a person. Activities turn these into non-retryable failures.
 */
export const appErrorCodes = {
  not_found: 404,
  invalid_input: 400,
  conflict: 409,
  unauthorized: 401,
  forbidden: 404,
  /** A form that failed its CSRF check: nothing is revealed, nothing changes. */
  forbidden_form: 403,
  expired: 410,
  unavailable: 503,
} as const;
export type TAppErrorCode = keyof typeof appErrorCodes;

export interface TAppErrorDetails {
  /** What goes to logs when it differs from the user message (never secrets or PII). */
  logMessage?: string;
  /** A machine-readable reason callers may branch on, e.g. `task_already_completed`. */
  reason?: string;
}

export class AppError extends Error {
  override name = 'AppError';
  readonly code: TAppErrorCode;
  readonly userMessage: string;
  readonly reason: string | undefined;

  constructor(code: TAppErrorCode, userMessage: string, details?: string | TAppErrorDetails) {
    const { logMessage, reason } =
      typeof details === 'string' ? { logMessage: details, reason: undefined } : (details ?? {});
    super(logMessage ?? userMessage);
    this.code = code;
    this.userMessage = userMessage;
    this.reason = reason;
  }

  get httpStatus(): number {
    return appErrorCodes[this.code];
  }
}

export function isAppError(error: unknown, reason?: string): error is AppError {
  return error instanceof AppError && (reason === undefined || error.reason === reason);
}
