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
  expired: 410,
  unavailable: 503,
} as const;
export type TAppErrorCode = keyof typeof appErrorCodes;

export class AppError extends Error {
  override name = 'AppError';
  readonly code: TAppErrorCode;
  readonly userMessage: string;

  constructor(code: TAppErrorCode, userMessage: string, logMessage?: string) {
    super(logMessage ?? userMessage);
    this.code = code;
    this.userMessage = userMessage;
  }

  get httpStatus(): number {
    return appErrorCodes[this.code];
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
