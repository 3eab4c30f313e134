/**
 * Staff actions on a running client onboarding: send the client a new portal link (while their
 * profile is awaited), give the open follow-up task to someone else, and cancel the onboarding.
 * Each posts to `/app/engagements/<id>/onboarding`, which sends the workflow an update; a refusal
 * comes back as the workflow's own sentence.
 */
import { CancelFields, EngagementActionForm, Field } from '../engagements/engagement-action-form';

export interface TOnboardingPanel {
  awaitingProfile: boolean;
  canResend: boolean;
  canCancel: boolean;
  /** The firm's staff, when the follow-up task is open and the viewer may give it to someone else. */
  reassignTo: { userId: string; name: string; role: string }[] | null;
}

export function OnboardingPanel({ engagementId, panel }: { engagementId: string; panel: TOnboardingPanel }) {
  const action = `/app/engagements/${engagementId}/onboarding`;
  const resend = panel.canResend && panel.awaitingProfile;
  if (!resend && !panel.canCancel && !panel.reassignTo) return null;
  return (
    <section className="card" aria-labelledby="onboarding-actions-title">
      <h2 id="onboarding-actions-title">Onboarding actions</h2>
      {resend ? (
        <EngagementActionForm
          action={action}
          intent="resend"
          title="Send a new portal link"
          submitLabel="Email a new link"
        >
          <p className="small">
            The client gets a fresh single-use link to their portal. Links they were sent before and have not
            used stop working.
          </p>
        </EngagementActionForm>
      ) : null}
      {panel.reassignTo ? (
        <details className="intake-more">
          <summary>Give the follow-up task to someone else</summary>
          <EngagementActionForm
            action={action}
            intent="reassign"
            title="Reassign the follow-up"
            submitLabel="Reassign"
          >
            <Field label="Person">
              {(id) => (
                <select id={id} name="assigneeUserId">
                  {(panel.reassignTo ?? []).map((s) => (
                    <option key={s.userId} value={s.userId}>
                      {s.name} ({s.role})
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </EngagementActionForm>
        </details>
      ) : null}
      {panel.canCancel ? (
        <details className="intake-more">
          <summary>Cancel this onboarding</summary>
          <EngagementActionForm
            action={action}
            intent="cancel"
            title="Cancel onboarding"
            submitLabel="Cancel onboarding"
            danger
          >
            <p className="small">
              Portal links the client has not used stop working, the follow-up task (if any) is closed, and
              (if you choose) the client is told that nothing more is needed.
            </p>
            <CancelFields />
          </EngagementActionForm>
        </details>
      ) : null}
    </section>
  );
}
