import { useState } from 'react';

/** Recovery codes, shown once: a list to copy or print, with a button that copies them all. */
export function RecoveryCodes({ codes }: { codes: string[] }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = () => {
    navigator.clipboard.writeText(codes.join('\n')).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  };
  return (
    <div className="recovery-codes">
      <ol className="recovery-code-list" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <p className="recovery-code-actions">
        <button type="button" className="button button-secondary" onClick={copy}>
          Copy codes
        </button>
        <span role="status" className="small muted">
          {copied === 'yes'
            ? 'Copied.'
            : copied === 'failed'
              ? 'Copying is blocked here: select the codes instead.'
              : ''}
        </span>
      </p>
    </div>
  );
}
