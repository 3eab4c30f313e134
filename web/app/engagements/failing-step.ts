/**
 * A step an engagement workflow keeps failing at (the shared `getStatus` view's `lastError`), in the
 * words the engagement page uses: "Sending the email keeps failing: … — attempt 3, next try in 2 minutes".
 */

/** The steps workflows run through `tracker.attempt`, in words; an unknown name is shown as is. */
const stepsInWords: Record<string, string> = {
  acceptReconciliationDifference: 'Accepting the reconciliation difference',
  auditTaxReturnAction: 'Recording the tax return action in the audit log',
  closeStaffTask: 'Closing a staff task',
  countCloseQuestions: 'Counting the close questions',
  createChecklistItems: 'Creating the document checklist',
  createClientRecord: 'Creating the client record',
  issueInvoice: 'Issuing the invoice',
  loadFirmPolicy: 'Reading the firm’s settings',
  openApprovalRequest: 'Asking the client for approval',
  openClose: 'Opening the monthly close',
  openStaffTask: 'Opening a staff task',
  openTaxReturn: 'Opening the tax return',
  produceCloseReport: 'Producing the close report',
  readStatementBalances: 'Reading the statement balances',
  reconcileAccount: 'Reconciling an account',
  recordCloseAnswers: 'Recording the client’s answers',
  reviewIntakeDocument: 'Recording the document review',
  saveClientProfile: 'Saving the client profile',
  sendEngagementEmail: 'Sending the email',
  sendOnboardingInvitation: 'Sending the portal invitation',
  startIntakeRecord: 'Starting the document intake',
  syncCloseQuestions: 'Sending the close questions to the portal',
  voidInvoice: 'Voiding the invoice',
  waiveChecklistItem: 'Waiving the checklist item',
  waiveStatementRequest: 'Waiving the statement request',
  writeBackCloseAnswer: 'Writing the answer back to the books',
};

/** `sendEngagementEmail` → "Sending the email"; a step without words keeps its name. */
export function stepInWords(activity: string): string {
  return stepsInWords[activity] ?? activity;
}

/** What the page shows about a failing step. */
export interface TFailingStep {
  /** The step in words. */
  step: string;
  message: string;
  attempt: number;
  /** "in 2 minutes" while the workflow waits to try again; null once it gave up (or is trying now). */
  nextTry: string | null;
  /** The workflow stopped trying (`retryAt` null and the engagement no longer active). */
  gaveUp: boolean;
  /** Whether this workflow takes `retryFailedStep` (staff "Retry now"). */
  retryable: boolean;
}

/** The notice's sentence: "<step> keeps failing: <message> — attempt N, next try <when>". */
export function failingStepSentence(failing: TFailingStep): string {
  const tail = failing.nextTry
    ? `attempt ${failing.attempt}, next try ${failing.nextTry}`
    : failing.gaveUp
      ? `gave up after ${failing.attempt} attempts`
      : `attempt ${failing.attempt}, trying again now`;
  return `${failing.step} keeps failing: ${failing.message} — ${tail}`;
}
