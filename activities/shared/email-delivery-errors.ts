import { ApplicationFailure } from '@temporalio/activity';
import { isEmailDeliveryError } from '../../integrations/email/mailer';

/**
 * Runs an activity body that sends email and turns a permanent delivery failure (the mail server
 * refused the recipient or the message) into a non-retryable failure with a readable reason, so the
 * workflow sees it at once instead of retrying forever. Retryable delivery failures (server down,
 * timeouts, 4xx) are rethrown as they are: Temporal retries them, with the reason in the
 * activity's last failure (visible in the engagement's status and the Temporal UI).
 */
export async function failFastOnPermanentEmailErrors<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (isEmailDeliveryError(error) && !error.retryable) {
      throw ApplicationFailure.create({
        type: 'EmailDeliveryError',
        message: `The email could not be delivered: ${error.reason}`,
        nonRetryable: true,
        cause: error,
      });
    }
    throw error;
  }
}
