/**
 * The form every staff action on an engagement panel uses (tax return, monthly close): it posts
 * without leaving the page and shows the workflow's answer, or its readable refusal, under itself.
 */
import { useFetcher } from '@remix-run/react';
import { useId, type ReactNode } from 'react';
import { CsrfInput } from '../ui/csrf-input';

/** What a panel's action route answers for one form. */
export interface TEngagementActionResult {
  ok: boolean;
  message: string;
  /** The `intent` of the form that was posted, so only that form shows the answer. */
  form: string;
}

export function EngagementActionForm({
  action,
  intent,
  title,
  submitLabel,
  danger,
  children,
}: {
  action: string;
  intent: string;
  title: string;
  submitLabel: string;
  danger?: boolean;
  children?: ReactNode;
}) {
  const fetcher = useFetcher<TEngagementActionResult>();
  const busy = fetcher.state !== 'idle';
  const answer = fetcher.data && fetcher.data.form === intent ? fetcher.data : null;
  return (
    <fetcher.Form method="post" action={action} className="stack">
      <CsrfInput />
      <input type="hidden" name="intent" value={intent} />
      <h3>{title}</h3>
      {children}
      <div className="form-actions">
        <button
          type="submit"
          className={danger ? 'button button-danger' : 'button button-primary'}
          disabled={busy}
        >
          {busy ? 'Saving…' : submitLabel}
        </button>
      </div>
      {answer ? (
        <div className={answer.ok ? 'alert alert-success' : 'alert alert-danger'} role="status">
          {answer.message}
        </div>
      ) : null}
    </fetcher.Form>
  );
}

/** The props of a panel's action form: the engagement it acts on instead of the URL it posts to. */
export type TPanelActionFormProps = Omit<Parameters<typeof EngagementActionForm>[0], 'action'> & {
  engagementId: string;
};

/** The action form of one panel, posting to its route `/app/engagements/<id>/<panel>`. */
export function panelActionForm(panel: 'close' | 'tax-return') {
  return function ActionForm({ engagementId, ...form }: TPanelActionFormProps) {
    return <EngagementActionForm action={`/app/engagements/${engagementId}/${panel}`} {...form} />;
  };
}

/** A labelled field whose control gets the label's generated ID. */
export function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string;
  children: (id: string) => ReactNode;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? <p className="hint">{hint}</p> : null}
      {children(id)}
    </div>
  );
}

/** The fields of every engagement's cancel form: why (required), and whether the client is emailed. */
export function CancelFields({ hint }: { hint?: string }) {
  return (
    <>
      <Field label="Why" {...(hint ? { hint } : {})}>
        {(id) => <input id={id} name="reason" required minLength={3} maxLength={500} />}
      </Field>
      <div className="choices">
        <label className="choice">
          <input type="checkbox" name="notifyClient" defaultChecked /> Tell the client by email
        </label>
      </div>
    </>
  );
}
