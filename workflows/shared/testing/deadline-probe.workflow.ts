/**
 * A workflow for the tests of the shared Deadlines helper only (bundled by deadlines.test.ts, never
 * by the workers): it plans one deadline and lets signals re-plan, hold and resume it.
 */
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import { Deadlines, type TDeadline } from '../deadlines';

export const replanSignal = defineSignal<[{ at: string }]>('replan');
export const holdSignal = defineSignal('hold');
export const resumeSignal = defineSignal<[{ at?: string }]>('resume');
export const deadlinesQuery = defineQuery<{ next: { label: string; at: string } | null; fired: TDeadline[] }>(
  'deadlines',
);

export async function deadlineProbeWorkflow(input: { at: string }): Promise<TDeadline[]> {
  const fired: TDeadline[] = [];
  const deadlines = new Deadlines((deadline) => fired.push(deadline));
  deadlines.plan('filing', 'Filing deadline', input.at);
  setHandler(replanSignal, ({ at }) => void deadlines.plan('filing', 'Extended filing deadline', at));
  setHandler(holdSignal, () => deadlines.hold('filing'));
  setHandler(resumeSignal, ({ at }) => deadlines.resume('filing', at));
  setHandler(deadlinesQuery, () => ({ next: deadlines.next(), fired }));
  await condition(() => deadlines.isDue('filing'));
  return fired;
}
