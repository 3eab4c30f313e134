/**
 * Documents this site shows inside its own pages' frames, each with a Content-Security-Policy of its
 * own instead of the app's. The staff email preview is one: an email carries its styles inline (mail
 * clients need them so), which the app's policy rightly blocks, so a frame that inherited that policy
 * (a `srcdoc` frame does) would show the email unstyled. Its own policy allows inline styles and
 * nothing else: no scripts, no plugins, no forms, no requests anywhere, and only this site may frame it.
 */

/** Where the staff email preview frame loads its document from. */
export const emailPreviewPath = '/app/settings/emails/preview';

const framedDocumentPolicy = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
  // As if the frame had `sandbox` with no permissions: a unique origin, no scripts, no navigation.
  'sandbox',
].join('; ');

/** The policy of a framed document at this path, or null for every other response. */
export function framedDocumentSecurityPolicy(pathname: string): string | null {
  return pathname === emailPreviewPath ? framedDocumentPolicy : null;
}
