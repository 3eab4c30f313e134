import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useLoaderData, useSubmit } from '@remix-run/react';
import {
  emailTemplateNames,
  isEmailTemplateName,
  renderEmail,
  type TEmailTemplateName,
} from '../../../integrations/email/templates';
import { emailTemplateSamples } from '../../../integrations/email/templates/samples';
import { emailPreviewPath } from '../http/framed-documents';
import { notFound, staffRoute } from '../http/route.server';
import { webEnv } from '../env.server';
import { PageHeader } from '../ui/components';
import { PageErrorBoundary } from '../ui/error-panel';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  {
    title: data
      ? `${data.selected.title} · Email templates · CPA Platform`
      : 'Email templates · CPA Platform',
  },
];

/** What each template is for, in the words staff use. */
const templateInfo: Record<TEmailTemplateName, { title: string; audience: 'Staff' | 'Clients' | 'Anyone' }> =
  {
    staff_invitation: { title: 'Staff invitation', audience: 'Staff' },
    password_reset: { title: 'Password reset', audience: 'Staff' },
    security_notice: { title: 'Security notice', audience: 'Anyone' },
    review_ready: { title: 'Ready for review', audience: 'Staff' },
    portal_invitation: { title: 'Portal invitation', audience: 'Clients' },
    portal_sign_in_code: { title: 'Portal sign-in code', audience: 'Clients' },
    onboarding_invitation: { title: 'Onboarding invitation', audience: 'Clients' },
    onboarding_reminder: { title: 'Onboarding reminder', audience: 'Clients' },
    document_request: { title: 'Document request', audience: 'Clients' },
    document_reminder: { title: 'Document reminder', audience: 'Clients' },
    approval_request: { title: 'Approval request', audience: 'Clients' },
    invoice: { title: 'Invoice', audience: 'Clients' },
    close_questions: { title: 'Monthly close questions', audience: 'Clients' },
    close_report: { title: 'Monthly close report', audience: 'Clients' },
    engagement_cancelled: { title: 'Engagement cancelled', audience: 'Clients' },
  };

/**
 * Every email the platform sends, rendered with sample data for this firm: the HTML as mail
 * clients show it (in a sandboxed frame loading `app.settings.emails_.preview.ts`, which has a
 * policy of its own: styles, no scripts, no navigation) and the plain-text version.
 */
export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'email_templates.preview', ({ staff }) => {
    const requested = new URL(args.request.url).searchParams.get('template') ?? emailTemplateNames[0]!;
    if (!isEmailTemplateName(requested)) notFound('This email template');
    const samples = emailTemplateSamples({
      firmName: staff.firmName,
      baseUrl: webEnv().PUBLIC_URL,
      timeZone: staff.timeZone,
      now: new Date(),
    });
    const { subject, text } = renderEmail(samples[requested]);
    return Promise.resolve({
      templates: emailTemplateNames.map((name) => ({ name, ...templateInfo[name] })),
      selected: { name: requested, ...templateInfo[requested], subject, text },
    });
  });
}

export default function EmailTemplates() {
  const { templates, selected } = useLoaderData<typeof loader>();
  const submit = useSubmit();
  return (
    <>
      <PageHeader
        title="Email templates"
        description="Every email the platform sends, shown with sample data for your firm. Names, dates and links are examples."
      />
      <Form method="get" className="search" onChange={(event) => submit(event.currentTarget)}>
        <label htmlFor="template">Email</label>
        <select id="template" name="template" defaultValue={selected.name} key={selected.name}>
          {(['Clients', 'Staff', 'Anyone'] as const).map((audience) => (
            <optgroup key={audience} label={`To ${audience.toLowerCase()}`}>
              {templates
                .filter((template) => template.audience === audience)
                .map((template) => (
                  <option key={template.name} value={template.name}>
                    {template.title}
                  </option>
                ))}
            </optgroup>
          ))}
        </select>
        <button type="submit" className="button button-secondary">
          Show
        </button>
      </Form>
      <section className="card stack" aria-labelledby="preview-title">
        <h2 id="preview-title">{selected.title}</h2>
        <dl className="details">
          <dt>Sent to</dt>
          <dd>{selected.audience}</dd>
          <dt>Subject</dt>
          <dd>{selected.subject}</dd>
        </dl>
        <h3>As HTML</h3>
        {/* Its own document, with its own policy: the email's inline styles show, nothing in it runs. */}
        <iframe
          title={`${selected.title}: HTML version`}
          src={`${emailPreviewPath}?template=${encodeURIComponent(selected.name)}`}
          sandbox=""
          referrerPolicy="no-referrer"
          width="100%"
          height="640"
        />
        <h3>As plain text</h3>
        <pre aria-label={`${selected.title}: plain-text version`}>{selected.text}</pre>
      </section>
    </>
  );
}

export const ErrorBoundary = PageErrorBoundary;
