import { Link } from '@remix-run/react';
import type { InputHTMLAttributes, ReactNode } from 'react';

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {description ? <p className="page-description">{description}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

/** A progress bar with its number written next to it (a native <progress>, so no inline styles). */
export function ProgressBar({ value, label }: { value: number; label: string }) {
  return (
    <span className={value >= 100 ? 'progress progress-complete' : 'progress'}>
      <progress value={value} max={100} aria-label={label} />
      <span className="progress-value">{value}%</span>
    </span>
  );
}

const statusTone: Record<string, string> = {
  active: 'info',
  prospect: 'neutral',
  completed: 'success',
  inactive: 'neutral',
  cancelled: 'neutral',
  failed: 'danger',
  open: 'warning',
  done: 'success',
};

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const text = label ?? `${status.charAt(0).toUpperCase()}${status.slice(1).replaceAll('_', ' ')}`;
  return <span className={`badge badge-${statusTone[status] ?? 'neutral'}`}>{text}</span>;
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <p className="empty-title">{title}</p>
      {children ? <div className="muted">{children}</div> : null}
    </div>
  );
}

/** A message about the whole form, announced to screen readers. */
export function FormError({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <div className="alert alert-danger" role="alert">
      {message}
    </div>
  );
}

export function Notice({
  tone = 'info',
  children,
}: {
  tone?: 'info' | 'warning' | 'success';
  children: ReactNode;
}) {
  return <div className={`alert alert-${tone}`}>{children}</div>;
}

interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'name' | 'id'> {
  name: string;
  label: string;
  error?: string;
  hint?: string;
  optional?: boolean;
}

/** A labelled input with its hint and error tied to it (aria-describedby, aria-invalid). */
export function TextField({ name, label, error, hint, optional, ...input }: TextFieldProps) {
  const id = `field-${name}`;
  const describedBy =
    [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>
        {label}
        {optional ? <span className="optional"> (optional)</span> : null}
      </label>
      {hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      <input
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        {...input}
      />
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="field-error" id={id}>
      {message}
    </p>
  );
}

/** Forward-only keyset pagination: "Next" with the cursor, and a way back to the first page. */
export function Pagination({
  nextHref,
  firstHref,
  isFirstPage,
}: {
  nextHref: string | null;
  firstHref: string;
  isFirstPage: boolean;
}) {
  if (!nextHref && isFirstPage) return null;
  return (
    <nav className="pagination" aria-label="Pages">
      {isFirstPage ? <span /> : <Link to={firstHref}>← First page</Link>}
      {nextHref ? (
        <Link to={nextHref} className="button button-secondary">
          Next page →
        </Link>
      ) : null}
    </nav>
  );
}

/** One engagement in a list: title linking to its page, a meta line, its stage and progress. */
export function EngagementItem({
  engagement,
  meta,
}: {
  engagement: { id: string; title: string; stage: string; progress: number };
  meta: string;
}) {
  return (
    <li className="item">
      <div className="item-main">
        <Link to={`/app/engagements/${engagement.id}`} className="item-title">
          {engagement.title}
        </Link>
        <span className="item-meta">{meta}</span>
      </div>
      <div className="item-side">
        <span className="stage-label">{engagement.stage}</span>
        <ProgressBar value={engagement.progress} label={`${engagement.title}: progress`} />
      </div>
    </li>
  );
}
