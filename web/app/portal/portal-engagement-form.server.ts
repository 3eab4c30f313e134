/**
 * The loader and action of a portal page where the client answers one form about one of their
 * engagements (`$engagementId` in the path): the close's questions, a tax return's approval. A
 * malformed ID answers 404, like another client's engagement.
 */
import { data, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { isUuid } from '../../../lib/ids';
import { notFound, portalRoute, type TPortalRouteContext } from '../http/route.server';

type TPortalEngagementContext = TPortalRouteContext & { engagementId: string };

function engagementIdOf(args: LoaderFunctionArgs | ActionFunctionArgs): string {
  const engagementId = args.params.engagementId;
  if (!isUuid(engagementId)) notFound('This page');
  return engagementId;
}

/** The page, or 404 when `load` finds nothing (another client's engagement, or one of another type). */
export function portalEngagementPage<T>(
  args: LoaderFunctionArgs,
  load: (ctx: TPortalEngagementContext) => Promise<T | null>,
): Promise<T> {
  return portalRoute(args, 'portal.engagements.view', async (ctx) => {
    const page = await load({ ...ctx, engagementId: engagementIdOf(args) });
    if (!page) notFound('This page');
    return page;
  });
}

/** Submits the posted form; its outcome answers 200 when it went through, 400 when it was refused. */
export function portalEngagementForm<T extends { ok: boolean }>(
  args: ActionFunctionArgs,
  submit: (ctx: TPortalEngagementContext & { form: FormData }) => Promise<T>,
) {
  return portalRoute(args, 'portal.engagements.view', async (ctx) => {
    const engagementId = engagementIdOf(args);
    const outcome = await submit({ ...ctx, engagementId, form: await args.request.formData() });
    return data<T>(outcome, { status: outcome.ok ? 200 : 400 });
  });
}
