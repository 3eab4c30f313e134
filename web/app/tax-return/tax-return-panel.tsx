/**
 * The tax return part of an engagement page: deadlines, review rounds, the client's approval,
 * billing and filing, and the staff actions that fit the stage. Each form posts to
 * `/app/engagements/<id>/tax-return` without leaving the page; the workflow's answer (or its
 * readable refusal) shows under the form.
 */
import { Notice, StatusBadge } from '../ui/components';
import { CancelFields, Field, panelActionForm } from '../engagements/engagement-action-form';
import type { TTaxReturnPanel } from './tax-return-view.server';

const ActionForm = panelActionForm('tax-return');

const reviewTone: Record<string, string> = { pending: 'open', approved: 'completed', sent_back: 'failed' };
const billingLabel: Record<string, string> = {
  not_billed: 'Not billed yet',
  invoiced: 'Invoice sent, waiting for payment',
  paid: 'Paid',
  waived: 'Waived',
  voided: 'Invoice voided',
};

export function TaxReturnPanel({ engagementId, panel }: { engagementId: string; panel: TTaxReturnPanel }) {
  const { actions } = panel;
  return (
    <section className="card" aria-labelledby="tax-return-title">
      <div className="card-header">
        <h2 id="tax-return-title">
          Tax return{panel.taxYear ? ` ${panel.taxYear}` : ''}
          {panel.returnType ? ` · ${panel.returnType}` : ''}
        </h2>
      </div>
      {panel.live ? <Notice tone={panel.live.tone}>{panel.live.text}</Notice> : null}
      <dl className="details">
        <dt>Preparer</dt>
        <dd>{panel.preparer}</dd>
        <dt>Reviewer</dt>
        <dd>{panel.reviewer}</dd>
        {panel.deadlines ? (
          <>
            <dt>Filing deadline</dt>
            <dd>
              {panel.deadlines.current}
              {panel.deadlines.extensionFiledOn
                ? ` (extended; extension filed ${panel.deadlines.extensionFiledOn}, original ${panel.deadlines.original})`
                : ` (extended deadline would be ${panel.deadlines.extended})`}
            </dd>
          </>
        ) : null}
        {panel.waitingOnK1 ? (
          <>
            <dt>Waiting on a K-1</dt>
            <dd>
              Since {panel.waitingOnK1.since}
              {panel.waitingOnK1.note ? ` · ${panel.waitingOnK1.note}` : ''} (client reminders paused)
            </dd>
          </>
        ) : null}
        {panel.summary ? (
          <>
            <dt>Result</dt>
            <dd>
              Federal: {panel.summary.federal}
              {panel.summary.state ? ` · ${panel.summary.state}` : ''}
              {panel.summary.notes ? <p className="small muted">{panel.summary.notes}</p> : null}
            </dd>
          </>
        ) : null}
        {panel.approval && panel.approval.round > 0 ? (
          <>
            <dt>Client approval</dt>
            <dd>
              {panel.approval.signedAt
                ? `Signed the e-file authorization ${panel.approval.signedAt}`
                : panel.approval.changesRequested
                  ? `Asked for changes: “${panel.approval.changesRequested}”`
                  : `Asked ${panel.approval.requestedAt ?? ''} (round ${panel.approval.round}), waiting`}
            </dd>
          </>
        ) : null}
        {panel.billing ? (
          <>
            <dt>Fee</dt>
            <dd>
              {panel.billing.fee ?? 'Not billed'}
              {panel.billing.fee ? ` · ${billingLabel[panel.billing.state] ?? panel.billing.state}` : ''}
              {panel.billing.waivedReason ? ` (${panel.billing.waivedReason})` : ''}
            </dd>
          </>
        ) : null}
        {panel.filing ? (
          <>
            <dt>Filed</dt>
            <dd>
              {panel.filing.filedOn} · IRS Submission ID <code>{panel.filing.confirmationNumber}</code>
            </dd>
          </>
        ) : null}
        {panel.escalations > 0 ? (
          <>
            <dt>Escalations</dt>
            <dd>{panel.escalations} deadline escalation(s) sent to the manager</dd>
          </>
        ) : null}
      </dl>

      {panel.reviews.length > 0 ? (
        <>
          <h3>Review rounds</h3>
          <ol className="item-list">
            {panel.reviews.map((review) => (
              <li key={review.round} className="item">
                <div className="item-main">
                  <span className="item-title">Round {review.round}</span>
                  <span className="item-meta">
                    {review.decidedBy
                      ? `${review.decidedBy}, ${review.decidedAt ?? ''}`
                      : 'Waiting for the reviewer'}
                    {review.reason ? ` · “${review.reason}”` : ''}
                  </span>
                </div>
                <div className="item-side">
                  <StatusBadge
                    status={reviewTone[review.outcome] ?? 'open'}
                    label={review.outcome.replace('_', ' ')}
                  />
                </div>
              </li>
            ))}
          </ol>
        </>
      ) : null}

      <div className="stack">
        {actions.submit ? (
          <ActionForm
            engagementId={engagementId}
            intent="submit"
            title="Submit for review"
            submitLabel="Submit for review"
          >
            <Field
              label="Federal result (dollars)"
              hint="A refund as a positive amount, an amount owed with a minus sign."
            >
              {(id) => <input id={id} name="federal" inputMode="decimal" required placeholder="1234.56" />}
            </Field>
            <Field label="State (two letters)" hint="Leave empty when no state return is filed.">
              {(id) => <input id={id} name="stateCode" maxLength={2} autoComplete="off" />}
            </Field>
            <Field label="State result (dollars)">
              {(id) => <input id={id} name="state" inputMode="decimal" placeholder="-42.00" />}
            </Field>
            <Field label="Notes for the client" hint="Shown on the client’s approval page.">
              {(id) => <textarea id={id} name="notes" rows={3} maxLength={2000} />}
            </Field>
          </ActionForm>
        ) : null}
        {actions.review ? (
          <>
            <ActionForm
              engagementId={engagementId}
              intent="approve"
              title="Approve"
              submitLabel="Approve and ask the client"
            >
              <Field label="Note (optional)">{(id) => <input id={id} name="note" maxLength={1000} />}</Field>
            </ActionForm>
            <ActionForm
              engagementId={engagementId}
              intent="send_back"
              title="Send back"
              submitLabel="Send back to the preparer"
            >
              <Field label="What needs to change">
                {(id) => <textarea id={id} name="reason" rows={3} required minLength={10} maxLength={1000} />}
              </Field>
            </ActionForm>
          </>
        ) : null}
        {actions.file ? (
          <ActionForm
            engagementId={engagementId}
            intent="file"
            title="Record the filing"
            submitLabel="Record filing"
          >
            <Field label="IRS Submission ID" hint="20 characters, for example 123456 2027 105 abc1234.">
              {(id) => <input id={id} name="confirmationNumber" required autoComplete="off" maxLength={40} />}
            </Field>
            <Field label="Filed on">
              {(id) => <input id={id} type="date" name="filedOn" max={panel.today} />}
            </Field>
          </ActionForm>
        ) : null}
        {actions.extension ? (
          <details>
            <summary>Extension filed</summary>
            <ActionForm
              engagementId={engagementId}
              intent="extension"
              title="Extension filed"
              submitLabel="Record extension"
            >
              <Field label="Filed on">
                {(id) => <input id={id} type="date" name="filedOn" max={panel.today} />}
              </Field>
              <Field label="Submission ID (optional)">
                {(id) => <input id={id} name="confirmationNumber" autoComplete="off" maxLength={40} />}
              </Field>
            </ActionForm>
          </details>
        ) : null}
        {actions.k1 ? (
          <details>
            <summary>{panel.waitingOnK1 ? 'K-1 received' : 'Waiting on a K-1'}</summary>
            <ActionForm
              engagementId={engagementId}
              intent="k1"
              title={panel.waitingOnK1 ? 'K-1 received' : 'Waiting on a K-1'}
              submitLabel={panel.waitingOnK1 ? 'K-1 received: resume reminders' : 'Pause client reminders'}
            >
              <input type="hidden" name="waiting" value={panel.waitingOnK1 ? 'no' : 'yes'} />
              {panel.waitingOnK1 ? null : (
                <Field label="Which K-1 (optional)">
                  {(id) => <input id={id} name="note" maxLength={300} />}
                </Field>
              )}
            </ActionForm>
          </details>
        ) : null}
        {actions.reassign ? (
          <details>
            <summary>Reassign the preparer or reviewer</summary>
            <ActionForm engagementId={engagementId} intent="reassign" title="Reassign" submitLabel="Reassign">
              <Field label="Role">
                {(id) => (
                  <select id={id} name="role">
                    <option value="preparer">Preparer</option>
                    <option value="reviewer">Reviewer</option>
                  </select>
                )}
              </Field>
              <Field label="Person">
                {(id) => (
                  <select id={id} name="userId">
                    {panel.staff.map((s) => (
                      <option key={s.userId} value={s.userId}>
                        {s.name} ({s.role})
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            </ActionForm>
          </details>
        ) : null}
        {actions.waive ? (
          <details>
            <summary>Waive the fee</summary>
            <ActionForm
              engagementId={engagementId}
              intent="waive"
              title="Waive the fee"
              submitLabel="Waive fee"
            >
              <Field label="Why">
                {(id) => <input id={id} name="reason" required minLength={10} maxLength={1000} />}
              </Field>
            </ActionForm>
          </details>
        ) : null}
        {actions.cancel ? (
          <details>
            <summary>Cancel the return</summary>
            <ActionForm
              engagementId={engagementId}
              intent="cancel"
              title="Cancel the return"
              submitLabel="Cancel return"
              danger
            >
              <CancelFields hint="Open tasks are cancelled, an open invoice is voided, the approval request is withdrawn." />
            </ActionForm>
          </details>
        ) : null}
      </div>
    </section>
  );
}
