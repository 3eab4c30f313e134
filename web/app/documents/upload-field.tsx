/**
 * A file field that uploads straight to blob storage: for each chosen file it asks the platform for
 * an upload URL, PUTs the file there with a progress bar, then asks the platform to check it and shows
 * the answer (received, already had it, or why it was refused). Place it on any portal page:
 *
 *   <UploadField requestId={item.id} label="Upload your W-2" />
 *
 * The page's loaders run again after each accepted file, so lists of documents update by themselves.
 */
import { useId, useRef, useState, type ChangeEvent } from 'react';
import { useRevalidator } from '@remix-run/react';
import {
  declaredMediaType,
  maxUploadBytes,
  uploadAcceptAttribute,
} from '../../../integrations/storage/media-types';
import { ProgressBar } from '../ui/components';
import { runRevalidation } from '../ui/live-updates';
import { useCsrfToken } from '../ui/csrf-input';
import type { TUploadOutcome, TUploadTicket } from './uploads.server';

export interface UploadFieldProps {
  label: string;
  hint?: string;
  /** The document request the files answer (or, for an unrequested document, `engagementId`). */
  requestId?: string;
  engagementId?: string;
  /** Where to ask for upload URLs; the portal's endpoint unless given. */
  startUrl?: string;
  completeUrl?: (uploadId: string) => string;
  /** Called after each file the platform accepted (or recognised as one it already had). */
  onUploaded?: (outcome: TUploadOutcome) => void;
}

type TFileState =
  | { phase: 'preparing' | 'uploading' | 'checking'; progress: number }
  | { phase: 'done'; outcome: TUploadOutcome }
  | { phase: 'failed'; message: string; retry: (() => void) | null };

interface TFileRow {
  key: string;
  name: string;
  state: TFileState;
}

const acceptedText = 'PDF, PNG, JPEG, TIFF, HEIC, CSV or text';

class UploadProblem extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export function UploadField({
  label,
  hint = `${acceptedText} files up to ${Math.round(maxUploadBytes / (1024 * 1024))} MB.`,
  requestId,
  engagementId,
  startUrl = '/portal/uploads',
  completeUrl = (uploadId) => `/portal/uploads/${uploadId}/complete`,
  onUploaded,
}: UploadFieldProps) {
  const id = useId();
  const csrfToken = useCsrfToken();
  const revalidator = useRevalidator();
  const input = useRef<HTMLInputElement>(null);
  const [rows, setRows] = useState<TFileRow[]>([]);
  const busy = rows.some((row) => row.state.phase !== 'done' && row.state.phase !== 'failed');

  const update = (key: string, state: TFileState) =>
    setRows((current) => current.map((row) => (row.key === key ? { ...row, state } : row)));

  const postJson = async <T,>(url: string, body: unknown): Promise<{ status: number; data: T }> => {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken },
        body: JSON.stringify(body),
        credentials: 'same-origin',
      });
    } catch {
      throw new UploadProblem('We could not reach the server. Check your connection and try again.', true);
    }
    const data = (await response.json().catch(() => null)) as (T & { message?: string }) | null;
    if (response.ok || response.status === 422) return { status: response.status, data: data as T };
    throw new UploadProblem(
      data?.message ?? 'Something went wrong on our side. Please try again.',
      response.status >= 500 || response.status === 429,
    );
  };

  const complete = async (key: string, ticket: TUploadTicket, sha256: string | undefined) => {
    update(key, { phase: 'checking', progress: 100 });
    try {
      const { data } = await postJson<TUploadOutcome>(completeUrl(ticket.uploadId), sha256 ? { sha256 } : {});
      update(key, { phase: 'done', outcome: data });
      if (data.status !== 'rejected') {
        onUploaded?.(data);
        runRevalidation(revalidator.revalidate);
      }
    } catch (error) {
      const problem = toProblem(error);
      // The file is already stored: trying again only repeats the check.
      update(key, {
        phase: 'failed',
        message: problem.message,
        retry: problem.retryable ? () => void complete(key, ticket, sha256) : null,
      });
    }
  };

  const upload = async (key: string, file: File) => {
    const contentType = declaredMediaType(file.name, file.type);
    if (!contentType) {
      update(key, { phase: 'failed', message: `We accept ${acceptedText} files only.`, retry: null });
      return;
    }
    if (file.size === 0) {
      update(key, {
        phase: 'failed',
        message: 'The file is empty. Please choose the file again.',
        retry: null,
      });
      return;
    }
    if (file.size > maxUploadBytes) {
      update(key, {
        phase: 'failed',
        message: `The file is ${(file.size / (1024 * 1024)).toFixed(1)} MB; the most we accept is ${Math.round(maxUploadBytes / (1024 * 1024))} MB.`,
        retry: null,
      });
      return;
    }
    update(key, { phase: 'preparing', progress: 0 });
    try {
      const sha256 = await digest(file);
      const { data: ticket } = await postJson<TUploadTicket>(startUrl, {
        fileName: file.name,
        contentType,
        sizeBytes: file.size,
        requestId,
        engagementId,
      });
      update(key, { phase: 'uploading', progress: 0 });
      await put(ticket, file, (progress) => update(key, { phase: 'uploading', progress }));
      await complete(key, ticket, sha256);
    } catch (error) {
      const problem = toProblem(error);
      update(key, {
        phase: 'failed',
        message: problem.message,
        retry: problem.retryable ? () => void upload(key, file) : null,
      });
    }
  };

  const onChange = (event: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(event.target.files ?? []);
    if (files.length === 0) return;
    const added = files.map((file): { file: File; row: TFileRow } => ({
      file,
      row: {
        key: `${Date.now()}-${Math.random().toString(36).slice(2)}`,
        name: file.name,
        state: { phase: 'preparing', progress: 0 },
      },
    }));
    setRows((current) => [...current, ...added.map((a) => a.row)]);
    if (input.current) input.current.value = '';
    void (async () => {
      // One at a time: a phone on a slow connection does better with one upload than with several.
      for (const { file, row } of added) await upload(row.key, file);
    })();
  };

  return (
    <div className="field">
      <label htmlFor={`${id}-input`}>{label}</label>
      <p className="hint" id={`${id}-hint`}>
        {hint}
      </p>
      <input
        ref={input}
        id={`${id}-input`}
        type="file"
        multiple
        accept={uploadAcceptAttribute}
        aria-describedby={`${id}-hint`}
        onChange={onChange}
        disabled={!csrfToken}
      />
      {rows.length > 0 ? (
        <ul className="item-list" aria-live="polite" aria-busy={busy}>
          {rows.map((row) => (
            <li key={row.key} className="item">
              <div className="item-main">
                <span className="item-title">{row.name}</span>
                <FileStatus state={row.state} />
              </div>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function FileStatus({ state }: { state: TFileState }) {
  switch (state.phase) {
    case 'preparing':
      return <span className="muted">Preparing…</span>;
    case 'uploading':
      return <ProgressBar value={state.progress} label="Upload progress" />;
    case 'checking':
      return <span className="muted">Checking the file…</span>;
    case 'done':
      return (
        <p className={state.outcome.status === 'rejected' ? 'field-error' : 'hint'} role="status">
          {state.outcome.status === 'rejected'
            ? `Not accepted: ${state.outcome.message}`
            : state.outcome.message}
        </p>
      );
    case 'failed':
      return (
        <p className="field-error" role="alert">
          {state.message}{' '}
          {state.retry ? (
            <button type="button" className="button button-small button-secondary" onClick={state.retry}>
              Try again
            </button>
          ) : null}
        </p>
      );
  }
}

function toProblem(error: unknown): UploadProblem {
  return error instanceof UploadProblem
    ? error
    : new UploadProblem('Something went wrong on our side. Please try again.', true);
}

/** The file's SHA-256 (hex), when the browser can compute it (secure pages only); else undefined. */
async function digest(file: File): Promise<string | undefined> {
  if (typeof crypto === 'undefined' || !crypto.subtle) return undefined;
  const hash = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(hash), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** PUTs the file to storage with the headers the ticket names, reporting progress (0-100). */
function put(ticket: TUploadTicket, file: File, onProgress: (percent: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(ticket.method, ticket.url);
    for (const [name, value] of Object.entries(ticket.headers)) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(Math.min(99, Math.round((event.loaded / event.total) * 100)));
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(100);
        resolve();
      } else if (request.status === 403) {
        reject(new UploadProblem('The upload link expired before the file arrived. Please try again.', true));
      } else {
        reject(new UploadProblem('The file could not be sent. Please try again.', true));
      }
    };
    request.onerror = () =>
      reject(new UploadProblem('The file could not be sent. Check your connection and try again.', true));
    request.send(file);
  });
}
