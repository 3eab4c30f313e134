import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { recordAuditEvent } from '../../../db/audit/record-audit-event';
import { auditCsvStream } from '../audit/audit-csv.server';
import { filterQuery, parseAuditFilters } from '../audit/audit-filters.server';
import { RedirectError } from '../http/redirect.server';
import { staffRoute } from '../http/route.server';

/**
 * The audit log as a CSV download (POST from the audit page, with its filters). The export itself is
 * recorded first, as `audit.exported` with the filters used, so the log shows who took a copy of it.
 */
export async function action(args: ActionFunctionArgs) {
  return staffRoute(args, 'audit.export', async ({ staff, em, actor }) => {
    const form = await args.request.formData();
    const params = new URLSearchParams();
    for (const name of ['actor', 'action', 'target', 'from', 'to']) {
      const value = form.get(name);
      if (typeof value === 'string') params.set(name, value);
    }
    const parsed = parseAuditFilters(params, staff.timeZone);
    await em.transactional((tx) => {
      recordAuditEvent(tx, {
        organizationId: staff.organizationId,
        actor,
        action: 'audit.exported',
        target: { type: 'audit_log' },
        details: { format: 'csv', filters: filterQuery(parsed.params) },
      });
      return Promise.resolve();
    });
    const stamp = new Date().toISOString().slice(0, 10);
    return new Response(
      auditCsvStream(em, { organizationId: staff.organizationId, filters: parsed.filters }),
      {
        headers: {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="audit-log-${stamp}.csv"`,
          'Cache-Control': 'no-store',
        },
      },
    );
  });
}

/** The export is a POST; opening its address goes to the audit log page. */
export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'audit.export', () => {
    throw new RedirectError('/app/settings/audit');
  });
}
