import { ApplicationFailure } from '@temporalio/activity';
import { isPaymentsError, type TPaymentsErrorKind } from '../../integrations/payments/payments';

/** How long Temporal waits before retrying after a rate limit (the retry policy decides otherwise). */
const RATE_LIMIT_RETRY_DELAY = '30 seconds';

/**
 * Runs an activity body that calls the payment provider and turns its classified failures into
 * activity failures with a readable message: a declined card, a refused request or a bad API key
 * fail at once (non-retryable, so the workflow can react); rate limits, network failures and 5xx
 * are retried by Temporal with the reason as the activity's last failure, which the engagement's
 * status shows. The failure type is `PaymentsError:<kind>`.
 */
export async function classifyPaymentsFailures<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (!isPaymentsError(error)) throw error;
    throw ApplicationFailure.create({
      type: paymentsFailureType(error.kind),
      message: error.userMessage,
      nonRetryable: !error.retryable,
      details: [
        {
          kind: error.kind,
          providerCode: error.providerCode ?? null,
          providerRequestId: error.providerRequestId ?? null,
          statusCode: error.statusCode ?? null,
        },
      ],
      nextRetryDelay: error.kind === 'rate_limited' ? RATE_LIMIT_RETRY_DELAY : undefined,
      cause: error,
    });
  }
}

export function paymentsFailureType(kind: TPaymentsErrorKind): string {
  return `PaymentsError:${kind}`;
}
