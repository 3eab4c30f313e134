import type { TEngagementType } from '../../../db/engagements/engagement.entity';
import {
  onboardingStageInfo,
  onboardingStages,
  type TOnboardingStage,
} from '../../../workflows/onboarding/client-onboarding.contracts';
import {
  intakeStageInfo,
  intakeStages,
  type TIntakeStage,
} from '../../../workflows/intake/document-intake.contracts';

import {
  taxReturnStageInfo,
  taxReturnSteps,
  type TTaxReturnStage,
} from '../../../workflows/tax-return/tax-return.contracts';
import {
  monthlyCloseStageInfo,
  monthlyCloseSteps,
  type TMonthlyCloseStage,
} from '../../../workflows/close/monthly-close.contracts';

export interface TStageStep {
  stage: string;
  label: string;
  state: 'done' | 'current' | 'upcoming';
}

export const engagementTypeLabels: Record<TEngagementType, string> = {
  client_onboarding: 'Client onboarding',
  document_intake: 'Document intake',
  tax_return: 'Tax return',
  monthly_close: 'Monthly close',
};

/** `awaiting_documents` → `Awaiting documents`, for stages no workflow contract describes. */
function humanize(stage: string): string {
  const words = stage.replaceAll('_', ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function isIntakeStage(stage: string | null): stage is TIntakeStage {
  return stage !== null && (intakeStages as readonly string[]).includes(stage);
}

export function isOnboardingStage(stage: string | null): stage is TOnboardingStage {
  return stage !== null && Object.hasOwn(onboardingStageInfo, stage);
}

/** The label of an engagement's stage, as the workflow's contracts name it. */
export function stageLabel(type: TEngagementType, stage: string): string {
  switch (type) {
    case 'client_onboarding':
      return isOnboardingStage(stage) ? onboardingStageInfo[stage].label : humanize(stage);
    case 'document_intake':
      return isIntakeStage(stage) ? intakeStageInfo[stage].label : humanize(stage);
    case 'tax_return':
      return stage in taxReturnStageInfo
        ? taxReturnStageInfo[stage as TTaxReturnStage].label
        : humanize(stage);
    case 'monthly_close':
      return stage in monthlyCloseStageInfo
        ? monthlyCloseStageInfo[stage as TMonthlyCloseStage].label
        : humanize(stage);
  }
}

/** A workflow's steps marked done, current or upcoming; a stage off the path (cancelled) shows alone. */
function workflowSteps<S extends string>(
  steps: readonly S[],
  info: Record<S, { label: string }>,
  current: string,
  completed: boolean,
): TStageStep[] {
  const index = steps.indexOf(current as S);
  if (index < 0) {
    const label = current in info ? info[current as S].label : humanize(current);
    return [{ stage: current, label, state: completed ? 'done' : 'current' }];
  }
  return steps.map((stage, i) => ({
    stage,
    label: info[stage].label,
    state: completed || i < index ? 'done' : i === index ? 'current' : 'upcoming',
  }));
}

/** The stepper of an engagement: every stage of its workflow, marked done, current or upcoming. */
export function stageSteps(type: TEngagementType, current: string, completed: boolean): TStageStep[] {
  switch (type) {
    case 'client_onboarding':
      // Cancelled is not a step on the way: it shows alone, only when it happened.
      return workflowSteps(onboardingStages, onboardingStageInfo, current, completed);
    case 'document_intake':
      if (current === 'cancelled') {
        return [{ stage: current, label: intakeStageInfo.cancelled.label, state: 'current' }];
      }
      if (isIntakeStage(current)) {
        // Cancelled is not a step on the way: it shows only when it happened.
        const path: readonly TIntakeStage[] = intakeStages.filter((stage) => stage !== 'cancelled');
        const index = path.indexOf(current);
        return path.map((stage, i) => ({
          stage,
          label: intakeStageInfo[stage].label,
          state: completed || i < index ? 'done' : i === index ? 'current' : 'upcoming',
        }));
      }
      return [{ stage: current, label: humanize(current), state: completed ? 'done' : 'current' }];
    case 'tax_return':
      return workflowSteps(taxReturnSteps, taxReturnStageInfo, current, completed);
    case 'monthly_close':
      return workflowSteps(monthlyCloseSteps, monthlyCloseStageInfo, current, completed);
  }
}
