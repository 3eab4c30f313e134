/**
 * The monthly close part of an engagement page: the client's questions and answers, the bank
 * statements, reconciliations and adjustments, the report, and the staff actions of the stage. Each
 * form posts to `/app/engagements/<id>/close`; the workflow's answer shows under it.
 */
import { Notice, StatusBadge } from '../ui/components';
import { CancelFields, Field, panelActionForm } from '../engagements/engagement-action-form';
import type { TClosePanel } from './close-view.server';

const ActionForm = panelActionForm('close');

function AccountSelect({ id, accounts }: { id: string; accounts: TClosePanel['bankAccounts'] }) {
  return (
    <select id={id} name="ledgerAccountId">
      {accounts.map((a) => (
        <option key={a.ledgerAccountId} value={a.ledgerAccountId}>
          {a.name}
        </option>
      ))}
    </select>
  );
}

const questionTone: Record<string, string> = {
  open: 'open',
  answered: 'active',
  written_back: 'completed',
  needs_staff: 'open',
  resolved_in_ledger: 'completed',
  withdrawn: 'cancelled',
};
const reconciliationTone: Record<string, string> = {
  matched: 'completed',
  accepted: 'completed',
  discrepancy: 'failed',
};

export function ClosePanel({ engagementId, panel }: { engagementId: string; panel: TClosePanel }) {
  const { actions } = panel;
  return (
    <section className="card" aria-labelledby="close-title">
      <div className="card-header">
        <h2 id="close-title">Monthly close{panel.period ? `: ${panel.period}` : ''}</h2>
      </div>
      {panel.live ? <Notice tone={panel.live.tone}>{panel.live.text}</Notice> : null}
      {panel.ledger ? (
        <p className="small muted">
          QuickBooks read {panel.ledger.pulls} time(s)
          {panel.ledger.lastPulledAt ? `, last ${panel.ledger.lastPulledAt}` : ''}.
        </p>
      ) : null}

      <h3>Questions to the client</h3>
      {panel.questions.length === 0 ? (
        <p className="muted">No uncategorized transactions this month.</p>
      ) : (
        <ul className="item-list">
          {panel.questions.map((q) => (
            <li key={q.id} className="item">
              <div className="item-main">
                <span className="item-title">
                  {q.date} · {q.description} · {q.amount}
                </span>
                <span className="item-meta">
                  {q.answer ? `Answer: ${q.answer}` : null}
                  {q.note ? ` · “${q.note}”` : null}
                </span>
              </div>
              <div className="item-side">
                <StatusBadge status={questionTone[q.status] ?? 'open'} label={q.statusLabel} />
              </div>
            </li>
          ))}
        </ul>
      )}

      <h3>Bank statements and reconciliation</h3>
      {panel.statements.length === 0 ? (
        <p className="muted">No statement information: the close’s workflow does not answer.</p>
      ) : null}
      <ul className="item-list">
        {panel.statements.map((s) => {
          const r = panel.reconciliations.find((x) => x.ledgerAccountId === s.ledgerAccountId);
          return (
            <li key={s.ledgerAccountId} className="item">
              <div className="item-main">
                <span className="item-title">{s.name}</span>
                <span className="item-meta">
                  {s.balance
                    ? `Statement ${s.date}: ${s.balance} (${s.source === 'staff' ? 'entered by staff' : 'from the uploaded statement'})`
                    : 'Waiting for the statement'}
                  {r ? ` · books ${r.books} · difference ${r.difference}` : ''}
                </span>
              </div>
              {r ? (
                <div className="item-side">
                  <StatusBadge status={reconciliationTone[r.status] ?? 'open'} label={r.status} />
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>
      {panel.adjustments.length > 0 ? (
        <>
          <h3>Adjustments</h3>
          <ul className="item-list">
            {panel.adjustments.map((a, index) => (
              <li key={index} className="item">
                <div className="item-main">
                  <span className="item-title">{a.description}</span>
                  <span className="item-meta">
                    {a.amount}
                    {a.account ? ` · ${a.account}` : ''}
                  </span>
                </div>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {panel.report ? (
        <p>
          <a href={`/app/documents/${panel.report.documentId}`}>Close report (PDF)</a>
          {panel.report.emailed ? ' · emailed to the client' : ''}
        </p>
      ) : null}

      <div className="stack">
        {actions.statement ? (
          <ActionForm
            engagementId={engagementId}
            intent="statement"
            title="Enter a statement balance"
            submitLabel="Save balance"
          >
            <Field label="Account">{(id) => <AccountSelect id={id} accounts={panel.bankAccounts} />}</Field>
            <Field label="Closing balance (dollars)">
              {(id) => <input id={id} name="balance" inputMode="decimal" required placeholder="12345.67" />}
            </Field>
            <Field label="Statement date">
              {(id) => <input id={id} type="date" name="statementDate" required />}
            </Field>
          </ActionForm>
        ) : null}
        {actions.accept ? (
          <ActionForm
            engagementId={engagementId}
            intent="accept"
            title="Accept a difference"
            submitLabel="Accept difference"
          >
            <Field label="Account">{(id) => <AccountSelect id={id} accounts={panel.bankAccounts} />}</Field>
            <Field label="Explanation" hint="Shown in the close report, e.g. a deposit in transit.">
              {(id) => <input id={id} name="note" required minLength={10} maxLength={1000} />}
            </Field>
          </ActionForm>
        ) : null}
        {actions.adjustment ? (
          <details>
            <summary>Record an adjustment</summary>
            <ActionForm
              engagementId={engagementId}
              intent="adjustment"
              title="Record an adjustment"
              submitLabel="Record adjustment"
            >
              <input type="hidden" name="requestId" value={panel.adjustmentKey} />
              <Field label="What was changed in QuickBooks">
                {(id) => <input id={id} name="description" required minLength={3} maxLength={300} />}
              </Field>
              <Field label="Amount (dollars; negative for money out)">
                {(id) => <input id={id} name="amount" inputMode="decimal" required placeholder="-12.00" />}
              </Field>
            </ActionForm>
          </details>
        ) : null}
        {actions.refresh ? (
          <details>
            <summary>Read QuickBooks again</summary>
            <ActionForm
              engagementId={engagementId}
              intent="refresh"
              title="Read QuickBooks again"
              submitLabel="Refresh from QuickBooks"
            />
          </details>
        ) : null}
        {actions.cancel ? (
          <details>
            <summary>Cancel the close</summary>
            <ActionForm
              engagementId={engagementId}
              intent="cancel"
              title="Cancel the close"
              submitLabel="Cancel close"
              danger
            >
              <CancelFields />
            </ActionForm>
          </details>
        ) : null}
      </div>
    </section>
  );
}
