/** Every workflow the engagements worker runs (the workflow bundle's entry point). */
export { clientOnboardingWorkflow } from './onboarding/client-onboarding.workflow';
export { documentIntakeWorkflow } from './intake/document-intake.workflow';
export { documentProcessingWorkflow } from './intake/document-processing.workflow';
export { taxReturnWorkflow } from './tax-return/tax-return.workflow';
export { taxSeasonBulkStartWorkflow } from './tax-return/bulk-start.workflow';
export { monthlyCloseWorkflow } from './close/monthly-close.workflow';
export { monthlyCloseKickoffWorkflow } from './close/close-kickoff.workflow';
export { platformMaintenanceWorkflow } from './maintenance/platform-maintenance.workflow';
