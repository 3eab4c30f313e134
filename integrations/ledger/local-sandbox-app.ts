/**
 * The app registration the local QuickBooks sandbox knows (infra/local/stack.ts starts it with
 * these; ledger-env.ts uses them with LEDGER_PROVIDER=local). Local development values only: the
 * sandbox listens on 127.0.0.1 and holds no real data. Dependency-free, so the stack can import it.
 */
export const localSandboxApp = {
  clientId: 'cpa-platform-local',
  clientSecret: 'cpa-platform-local-secret',
  webhookVerifierToken: 'cpa-platform-local-webhook-verifier',
} as const;
