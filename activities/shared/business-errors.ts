import { ApplicationFailure } from '@temporalio/activity';
import { isAppError } from '../../lib/errors';

/**
 * Runs an activity body and turns expected business errors (AppError) into non-retryable failures,
 * so Temporal retries only what can succeed on a retry (timeouts, connection errors).
 */
export async function failFastOnBusinessErrors<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (isAppError(error)) {
      throw ApplicationFailure.create({
        type: `AppError:${error.code}`,
        message: error.userMessage,
        nonRetryable: true,
        cause: error,
      });
    }
    throw error;
  }
}
