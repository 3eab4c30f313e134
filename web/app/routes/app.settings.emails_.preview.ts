import type { LoaderFunctionArgs } from '@remix-run/node';
import { isEmailTemplateName, renderEmail } from '../../../integrations/email/templates';
import { emailTemplateSamples } from '../../../integrations/email/templates/samples';
import { webEnv } from '../env.server';
import { notFound, staffRoute } from '../http/route.server';

/**
 * `/app/settings/emails/preview?template=<name>`: one email's HTML with this firm's sample data, as
 * the document of the preview frame on the email templates page. It is served with a policy of its
 * own (web/app/http/framed-documents.ts): the email's inline styles apply, nothing in it can run.
 */
export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'email_templates.preview', ({ staff }) => {
    const requested = new URL(args.request.url).searchParams.get('template') ?? '';
    if (!isEmailTemplateName(requested)) notFound('This email template');
    const samples = emailTemplateSamples({
      firmName: staff.firmName,
      baseUrl: webEnv().PUBLIC_URL,
      timeZone: staff.timeZone,
      now: new Date(),
    });
    const { html } = renderEmail(samples[requested]);
    return Promise.resolve(
      new Response(html, {
        headers: {
          'Content-Type': 'text/html; charset=utf-8',
          'Cache-Control': 'private, no-store',
        },
      }),
    );
  });
}
