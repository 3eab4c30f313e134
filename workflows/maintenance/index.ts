/** The workflows the integrations worker runs (its workflow bundle's entry point). */
export { platformMaintenanceWorkflow } from './platform-maintenance.workflow';
