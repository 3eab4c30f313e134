/**
 * The portal's lists (engagements, invoices, files, requested documents): one row layout with a
 * title (a link when it opens something), a line of detail and an optional right-hand side, so the
 * portal home and an engagement's page show the same things the same way.
 */
import { Link } from '@remix-run/react';
import type { ReactNode } from 'react';

export function PortalItemList({ children }: { children: ReactNode }) {
  return <ul className="item-list">{children}</ul>;
}

export function PortalItem({
  title,
  to,
  file,
  meta,
  side,
}: {
  title: ReactNode;
  /** A portal page the title opens. */
  to?: string;
  /** A file the title downloads (a plain link: the browser fetches it, not the app's router). */
  file?: string;
  meta?: ReactNode;
  side?: ReactNode;
}) {
  return (
    <li className="item">
      <div className="item-main">
        {to ? (
          <Link to={to} className="item-title">
            {title}
          </Link>
        ) : file ? (
          <a href={file} className="item-title">
            {title}
          </a>
        ) : (
          <span className="item-title">{title}</span>
        )}
        {meta ? <span className="item-meta">{meta}</span> : null}
      </div>
      {side ? <div className="item-side">{side}</div> : null}
    </li>
  );
}

/** Files of the client, newest first as given: who sent each, when, and its size. */
export function PortalDocumentList({
  documents,
}: {
  documents: { id: string; fileName: string; byYou: boolean; uploaded: string; size: string }[];
}) {
  return (
    <PortalItemList>
      {documents.map((document) => (
        <PortalItem
          key={document.id}
          title={document.fileName}
          file={`/portal/documents/${document.id}`}
          meta={`${document.byYou ? 'Sent by you' : 'From your accountant'} · ${document.uploaded} · ${document.size}`}
        />
      ))}
    </PortalItemList>
  );
}
