/**
 * The frame of the staff pages outside the app (sign-in, its second step, authenticator setup, joining
 * a firm, choosing a new password): one card under the brand mark, centred on its own page.
 */
import type { ReactNode } from 'react';
import { CsrfInput } from './csrf-input';
import { PageErrorBoundary } from './error-panel';

export function AuthPage({ wide, children }: { wide?: boolean; children: ReactNode }) {
  return (
    <main className="auth-page">
      <div className={wide ? 'auth-card auth-card-wide card' : 'auth-card card'}>
        <p className="brand-mark" aria-hidden="true">
          CPA
        </p>
        {children}
      </div>
    </main>
  );
}

/** The error boundary of these pages: the error on the same page, with a way back to sign-in. */
export function AuthErrorBoundary() {
  return (
    <main className="auth-page">
      <PageErrorBoundary homeHref="/login" />
    </main>
  );
}

/** Gives up a sign-in that waits for its second step: ends the half-open session. */
export function CancelSignInForm() {
  return (
    <form method="post" action="/logout" className="auth-links">
      <CsrfInput />
      <button type="submit" className="button-link">
        Cancel and sign out
      </button>
    </form>
  );
}
