/**
 * The notice an engagement shows while its workflow keeps failing at a step, with "Retry now" for
 * those who may work on the engagement. The retry posts without leaving the page and shows the
 * workflow's answer (or its refusal, in its own words) under the notice.
 */
import { useFetcher } from '@remix-run/react';
import { CsrfInput } from '../ui/csrf-input';
import type { TEngagementActionResult } from './engagement-action-form';
import { failingStepSentence, type TFailingStep } from './failing-step';

export function FailingStepNotice({
  engagementId,
  failing,
  canRetry,
}: {
  engagementId: string;
  failing: TFailingStep;
  canRetry: boolean;
}) {
  const fetcher = useFetcher<TEngagementActionResult>();
  const busy = fetcher.state !== 'idle';
  return (
    <div className={`alert ${failing.gaveUp ? 'alert-danger' : 'alert-warning'} failing-step`} role="status">
      <p className="failing-step-text">{failingStepSentence(failing)}</p>
      {canRetry && failing.retryable ? (
        <fetcher.Form
          method="post"
          action={`/app/engagements/${engagementId}/retry`}
          className="failing-step-retry"
        >
          <CsrfInput />
          <input type="hidden" name="intent" value="retry" />
          <button type="submit" className="button button-secondary" disabled={busy}>
            {busy ? 'Retrying…' : 'Retry now'}
          </button>
        </fetcher.Form>
      ) : null}
      {fetcher.data ? (
        <p className={fetcher.data.ok ? 'failing-step-answer' : 'failing-step-answer failing-step-refused'}>
          {fetcher.data.message}
        </p>
      ) : null}
    </div>
  );
}
