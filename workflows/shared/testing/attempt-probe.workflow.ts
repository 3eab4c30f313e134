/**
 * A workflow for the tests of `EngagementTracker.attempt` only (bundled by engagement-tracker.test.ts,
 * never by the workers): it runs one step whose activity fails as the test decides, shows the
 * tracker's status, and takes the shared retry update.
 */
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import { getEngagementStatusQuery } from '../engagement.contracts';
import { EngagementTracker, failureMessage } from '../engagement-tracker';
import { handleRetryFailedStep } from '../staff-updates';

export interface TAttemptProbeActivities {
  /** Fails while the test's failure budget lasts, then answers. */
  reconcileLedger: (input: { probeId: string }) => Promise<{ matched: number }>;
}

export interface TAttemptProbeInput {
  probeId: string;
  /** The tracker's first pause after a failure (milliseconds). */
  pauseMs: number;
  maxAttempts?: number;
}

export type TAttemptProbeResult =
  { outcome: 'succeeded'; matched: number } | { outcome: 'gave_up'; message: string };

export const finishSignal = defineSignal('finish');

const acts = proxyActivities<TAttemptProbeActivities>({
  startToCloseTimeout: '10 seconds',
  // Bounded and quick: each tracker attempt is two activity attempts.
  retry: { initialInterval: '50 milliseconds', maximumAttempts: 2 },
});

export async function attemptProbeWorkflow(input: TAttemptProbeInput): Promise<TAttemptProbeResult> {
  const tracker = new EngagementTracker<'working' | 'done'>({
    organizationId: 'probe-firm',
    engagementId: input.probeId,
    type: 'attempt_probe',
    stages: { working: { label: 'Working', progress: 50 }, done: { label: 'Done', progress: 100 } },
    initialStage: 'working',
    project: () => Promise.resolve(),
  });
  let finish = false;
  setHandler(getEngagementStatusQuery, () => tracker.status());
  setHandler(finishSignal, () => void (finish = true));
  handleRetryFailedStep(tracker);

  let result: TAttemptProbeResult;
  try {
    const { matched } = await tracker.attempt(
      'reconcileLedger',
      () => acts.reconcileLedger({ probeId: input.probeId }),
      {
        pause: input.pauseMs,
        maxPause: input.pauseMs * 4,
        ...(input.maxAttempts ? { maxAttempts: input.maxAttempts } : {}),
      },
    );
    result = { outcome: 'succeeded', matched };
  } catch (error) {
    result = { outcome: 'gave_up', message: failureMessage(error) };
  }
  await condition(() => finish);
  return result;
}
