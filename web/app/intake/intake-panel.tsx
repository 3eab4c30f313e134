/**
 * The document intake part of an engagement page: what the intake waits for, the checklist, the
 * uploaded documents with what was read from them, and the staff actions (review, waive, add, cancel).
 * Each action posts to `/app/engagements/<id>/intake` without leaving the page; the workflow's answer
 * (or its readable refusal) shows next to the form.
 */
import { useFetcher } from '@remix-run/react';
import { useId, type ReactNode } from 'react';
import type { TIntakeActionResult } from '../routes/app.engagements.$engagementId_.intake';
import { EmptyState, Notice, StatusBadge } from '../ui/components';
import { CsrfInput } from '../ui/csrf-input';
import type { TIntakePanel } from './intake-view.server';

const itemTone: Record<string, string> = {
  open: 'open',
  processing: 'active',
  needs_review: 'open',
  accepted: 'completed',
  rejected: 'failed',
  waived: 'cancelled',
  withdrawn: 'cancelled',
  refused: 'failed',
  duplicate: 'cancelled',
  unreadable: 'failed',
};

/** A form posting one intake action; shows the answer under it. */
function ActionForm({
  engagementId,
  intent,
  formKey,
  children,
  submitLabel,
  busyLabel,
  danger,
}: {
  engagementId: string;
  intent: string;
  /** documentId or requestId: tells the answers of several forms apart. */
  formKey?: string;
  children: ReactNode;
  submitLabel: string;
  busyLabel: string;
  danger?: boolean;
}) {
  const fetcher = useFetcher<TIntakeActionResult>();
  const busy = fetcher.state !== 'idle';
  const answer = fetcher.data && fetcher.data.form === `${intent}:${formKey ?? ''}` ? fetcher.data : null;
  return (
    <fetcher.Form method="post" action={`/app/engagements/${engagementId}/intake`} className="intake-form">
      <CsrfInput />
      <input type="hidden" name="intent" value={intent} />
      {children}
      <div className="form-actions">
        <button
          type="submit"
          className={danger ? 'button button-danger button-small' : 'button button-primary button-small'}
          disabled={busy}
        >
          {busy ? busyLabel : submitLabel}
        </button>
      </div>
      {answer ? (
        <p
          className={answer.ok ? 'intake-answer intake-answer-ok' : 'intake-answer intake-answer-error'}
          role="status"
        >
          {answer.message}
        </p>
      ) : null}
    </fetcher.Form>
  );
}

function ReviewForm({
  engagementId,
  document,
}: {
  engagementId: string;
  document: TIntakePanel['documents'][number];
}) {
  const id = useId();
  return (
    <ActionForm
      engagementId={engagementId}
      intent="review"
      formKey={document.id}
      submitLabel="Save review"
      busyLabel="Saving…"
    >
      <input type="hidden" name="documentId" value={document.id} />
      {document.fields.length > 0 ? (
        <div className="table-wrap">
          <table className="table intake-fields">
            <caption className="visually-hidden">Fields read from {document.fileName}</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Value (correct it if it is wrong)</th>
                <th scope="col">Confidence</th>
                <th scope="col">Page</th>
              </tr>
            </thead>
            <tbody>
              {document.fields.map((field) => (
                <tr key={field.name} className={field.low ? 'intake-field-low' : undefined}>
                  <th scope="row">
                    <label htmlFor={`${id}-${field.name}`}>{field.label}</label>
                  </th>
                  <td>
                    <input type="hidden" name={`original:${field.name}`} value={field.editValue} />
                    <input
                      id={`${id}-${field.name}`}
                      name={`field:${field.name}`}
                      defaultValue={field.editValue}
                      maxLength={300}
                      autoComplete="off"
                    />
                  </td>
                  <td>
                    {field.confidence}%{field.low ? <span className="visually-hidden"> (low)</span> : null}
                  </td>
                  <td>{field.page ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted small">No fields could be read from this file. Open it and decide.</p>
      )}
      <fieldset className="field">
        <legend>Decision</legend>
        <div className="choices">
          <label className="choice">
            <input type="radio" name="decision" value="accept" defaultChecked /> Accept (with the values
            above)
          </label>
          <label className="choice">
            <input type="radio" name="decision" value="reject" /> Reject and ask the client again
          </label>
        </div>
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-reason`}>
          Reason <span className="optional">(required to reject: the client reads it)</span>
        </label>
        <input id={`${id}-reason`} name="reason" maxLength={500} autoComplete="off" />
      </div>
    </ActionForm>
  );
}

export function IntakePanel({ engagementId, panel }: { engagementId: string; panel: TIntakePanel }) {
  const reasonId = useId();
  return (
    <section className="card" aria-labelledby="intake-title">
      <div className="card-header">
        <h2 id="intake-title">Documents</h2>
      </div>
      {panel.note ? <Notice tone={panel.note.tone}>{panel.note.text}</Notice> : null}

      {panel.summary ? (
        <dl className="details">
          <dt>Waiting for</dt>
          <dd>{panel.summary.waitingFor ?? 'Nothing right now'}</dd>
          <dt>Required items missing</dt>
          <dd>{panel.summary.outstanding}</dd>
          <dt>Reminders</dt>
          <dd>
            {panel.summary.reminders}
            {panel.summary.escalated ? ' · follow-up task opened for staff' : ''}
          </dd>
          <dt>Next reminder</dt>
          <dd>{panel.summary.nextReminder ?? 'None planned'}</dd>
          {panel.summary.reminderNotSent ? (
            <>
              <dt>Last reminder not sent</dt>
              <dd>{panel.summary.reminderNotSent}</dd>
            </>
          ) : null}
          {panel.summary.nextDeadline ? (
            <>
              <dt>Deadline</dt>
              <dd>{panel.summary.nextDeadline}</dd>
            </>
          ) : null}
          {panel.summary.lastError ? (
            <>
              <dt>Problem</dt>
              <dd className="intake-problem">{panel.summary.lastError}</dd>
            </>
          ) : null}
        </dl>
      ) : null}

      <h3>Checklist</h3>
      {panel.checklist.length === 0 ? (
        <EmptyState title="No documents requested yet" />
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Document</th>
                <th scope="col">Status</th>
                <th scope="col">Files</th>
                {panel.canWork ? <th scope="col">Waive</th> : null}
              </tr>
            </thead>
            <tbody>
              {panel.checklist.map((item) => (
                <tr key={item.requestId}>
                  <td>
                    <strong>{item.label}</strong>
                    {item.required ? null : <span className="muted"> (optional)</span>}
                    <div className="small muted">{item.category}</div>
                  </td>
                  <td>
                    <StatusBadge status={itemTone[item.status] ?? 'neutral'} label={item.statusLabel} />
                    {item.reason ? <div className="small">{item.reason}</div> : null}
                  </td>
                  <td>{item.documents}</td>
                  {panel.canWork ? (
                    <td>
                      {item.canWaive ? (
                        <ActionForm
                          engagementId={engagementId}
                          intent="waive"
                          formKey={item.requestId}
                          submitLabel="Waive"
                          busyLabel="Waiving…"
                        >
                          <input type="hidden" name="requestId" value={item.requestId} />
                          <label className="visually-hidden" htmlFor={`${reasonId}-${item.requestId}`}>
                            Why {item.label} is not needed
                          </label>
                          <input
                            id={`${reasonId}-${item.requestId}`}
                            name="reason"
                            placeholder="Why it is not needed"
                            maxLength={500}
                            autoComplete="off"
                          />
                        </ActionForm>
                      ) : (
                        <span className="muted small">—</span>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>Uploaded documents</h3>
      {panel.documents.length === 0 ? (
        <EmptyState title="Nothing uploaded yet">
          The client uploads from the portal; each file is checked and read.
        </EmptyState>
      ) : (
        <ul className="intake-documents">
          {panel.documents.map((document) => (
            <li key={document.id} className="intake-document">
              <div className="intake-document-head">
                <a href={`/app/documents/${document.id}`}>{document.fileName}</a>
                <StatusBadge status={itemTone[document.status] ?? 'neutral'} label={document.statusLabel} />
              </div>
              <p className="small muted">
                {document.forItem ? `For “${document.forItem}” · ` : 'Not for a checklist item · '}
                uploaded {document.uploaded}
                {document.confidence !== null ? ` · read with ${document.confidence}% confidence` : ''}
                {document.model ? ` (${document.model})` : ''}
                {document.reviewedBy ? ` · ${document.reviewedBy}` : ''}
              </p>
              {document.reason ? <p className="small">{document.reason}</p> : null}
              {document.reviewable ? <ReviewForm engagementId={engagementId} document={document} /> : null}
            </li>
          ))}
        </ul>
      )}

      {panel.canWork ? (
        <details className="intake-more">
          <summary>Ask the client for another document</summary>
          <ActionForm
            engagementId={engagementId}
            intent="add"
            submitLabel="Add to the checklist"
            busyLabel="Adding…"
          >
            <div className="form-row">
              <div className="field">
                <label htmlFor={`${reasonId}-category`}>Kind of document</label>
                <select id={`${reasonId}-category`} name="category" defaultValue="other">
                  {panel.categories.map((c) => (
                    <option key={c.value} value={c.value}>
                      {c.label}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor={`${reasonId}-label`}>What the client sees</label>
                <input id={`${reasonId}-label`} name="label" required minLength={2} maxLength={200} />
              </div>
            </div>
            <div className="field">
              <label htmlFor={`${reasonId}-note`}>
                Hint for the client <span className="optional">(optional)</span>
              </label>
              <input id={`${reasonId}-note`} name="note" maxLength={500} />
            </div>
            <label className="choice">
              <input type="checkbox" name="required" defaultChecked /> Required to finish collecting documents
            </label>
          </ActionForm>
        </details>
      ) : null}

      {panel.cancelFromParent ? (
        <p className="small muted" data-testid="intake-parent">
          Part of <a href={panel.cancelFromParent.href}>{panel.cancelFromParent.title}</a> — cancel it from
          there: collecting its documents cannot be cancelled on its own.
        </p>
      ) : null}

      {panel.canCancel ? (
        <details className="intake-more">
          <summary>Cancel this engagement</summary>
          <ActionForm
            engagementId={engagementId}
            intent="cancel"
            submitLabel="Cancel engagement"
            busyLabel="Cancelling…"
            danger
          >
            <p className="small">
              Open requests are withdrawn from the portal, open tasks are closed, and (if you choose) the
              client is told that nothing more is needed.
            </p>
            <div className="field">
              <label htmlFor={`${reasonId}-cancel`}>Why</label>
              <input id={`${reasonId}-cancel`} name="reason" required minLength={3} maxLength={500} />
            </div>
            <label className="choice">
              <input type="checkbox" name="notifyClient" defaultChecked /> Email the client
            </label>
          </ActionForm>
        </details>
      ) : null}
    </section>
  );
}
