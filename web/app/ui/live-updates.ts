import { useRevalidator } from '@remix-run/react';
import { useEffect, useRef } from 'react';

/** The latest `revalidate` of the page, usable from long-lived callbacks. */
function useRevalidateRef() {
  const { revalidate } = useRevalidator();
  const ref = useRef(revalidate);
  useEffect(() => {
    ref.current = revalidate;
  }, [revalidate]);
  return ref;
}

/**
 * Runs a revalidation. A newer navigation or revalidation aborts an older one (its promise rejects
 * with an AbortError); that is the router doing its job, not a failure worth reporting.
 */
export function runRevalidation(revalidate: () => unknown): void {
  void Promise.resolve(revalidate()).catch((error: unknown) => {
    if (error instanceof Error && error.name === 'AbortError') return;
    throw error;
  });
}

/**
 * Reloads the page's data whenever the server-sent event stream at `url` says something changed,
 * and once when the stream (re)connects, to catch changes made while it was not listening.
 * A stream the server refused is retried after 10 seconds.
 */
export function useLiveRevalidation(url: string | null): void {
  const revalidate = useRevalidateRef();
  useEffect(() => {
    if (!url) return undefined;
    let source: EventSource | undefined;
    let retry: number | undefined;
    let stopped = false;
    const connect = () => {
      source = new EventSource(url);
      source.onopen = () => runRevalidation(revalidate.current);
      source.onmessage = () => runRevalidation(revalidate.current);
      source.onerror = () => {
        // EventSource reconnects by itself after network errors; after an HTTP error it gives up.
        if (source?.readyState === EventSource.CLOSED && !stopped) retry = window.setTimeout(connect, 10_000);
      };
    };
    connect();
    return () => {
      stopped = true;
      source?.close();
      window.clearTimeout(retry);
    };
  }, [url, revalidate]);
}

/** Reloads the page's data every `intervalMs` while `enabled` and the tab is visible, one reload at a time. */
export function usePolling(enabled: boolean, intervalMs: number): void {
  const revalidator = useRevalidator();
  const latest = useRef(revalidator);
  useEffect(() => {
    latest.current = revalidator;
  }, [revalidator]);
  useEffect(() => {
    if (!enabled) return undefined;
    const timer = window.setInterval(() => {
      const { state, revalidate } = latest.current;
      if (state === 'idle' && document.visibilityState === 'visible') runRevalidation(revalidate);
    }, intervalMs);
    return () => window.clearInterval(timer);
  }, [enabled, intervalMs]);
}
