/** Every workflow the engagements worker runs (the workflow bundle's entry point). */
export { clientOnboardingWorkflow } from './onboarding/client-onboarding.workflow';
export { documentIntakeWorkflow } from './intake/document-intake.workflow';
export { documentProcessingWorkflow } from './intake/document-processing.workflow';
