/** Task queues, one per kind of work (ARCHITECTURE.md section 2). */
export const taskQueues = {
  /** Engagement workflows and their light activities. */
  engagements: 'engagements',
  /** OCR and heavy document I/O. */
  documents: 'documents',
  /** QuickBooks and Stripe calls, rate limited per realm. */
  integrations: 'integrations',
} as const;
