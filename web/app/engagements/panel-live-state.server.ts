/**
 * What an engagement panel with staff actions (tax return, monthly close) makes of its workflow's live
 * state: the status it shows, whether the workflow still takes actions, and the note above the panel
 * when it does not.
 */
import type { TEngagementStatusView } from '../../../workflows/shared/engagement.contracts';
import type { TWorkflowLiveState } from './engagement-updates.server';

export interface TPanelLiveNote {
  tone: 'info' | 'warning';
  text: string;
}

/**
 * The status to show (a finished run's last answer too) and whether staff may act now: the run is
 * going, active and not being cancelled.
 */
export function panelStatus<T extends TEngagementStatusView>(
  live: TWorkflowLiveState<T>,
): { status: T | null; active: boolean } {
  const status = live.kind === 'running' || live.kind === 'closed' ? live.status : null;
  const active = live.kind === 'running' && status?.status === 'active' && status.cancellation === null;
  return { status, active };
}

/**
 * The note above a panel whose workflow cannot take actions now, or null while it runs. `workflow`
 * names it in "The … workflow did not answer", `subject` in "This …’s workflow has finished" (for a
 * tax return: `{ workflow: 'tax return', subject: 'return' }`).
 */
export function panelLiveNote(
  live: TWorkflowLiveState<unknown>,
  names: { workflow: string; subject: string },
): TPanelLiveNote | null {
  switch (live.kind) {
    case 'running':
      return null;
    case 'no_answer':
      return {
        tone: 'warning',
        text: `The ${names.workflow} workflow did not answer in time (is a worker running?). Actions are unavailable.`,
      };
    case 'closed':
      return { tone: 'info', text: `This ${names.subject}’s workflow has finished.` };
    case 'not_found':
      return {
        tone: 'info',
        text: `This ${names.subject} has no running workflow (it was recorded before the platform ran it).`,
      };
    case 'unavailable':
      return { tone: 'warning', text: 'Temporal is not reachable right now; actions are unavailable.' };
  }
}
