import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { engagementView, pendingEngagementView } from '../engagements/engagement-view.server';
import { FailingStepNotice } from '../engagements/failing-step-notice';
import { can } from '../auth/permissions.server';
import { OnboardingPanel } from '../onboarding/onboarding-panel';
import { Membership } from '../../../db/users/membership.entity';
import { IntakePanel } from '../intake/intake-panel';
import { intakePanel } from '../intake/intake-view.server';
import { TaxReturnPanel } from '../tax-return/tax-return-panel';
import { taxReturnPanel } from '../tax-return/tax-return-view.server';
import { ClosePanel } from '../close/close-panel';
import { closePanel } from '../close/close-view.server';
import { isUuid } from '../../../lib/ids';
import { readRetryingActivities } from '../temporal/retrying-activities.server';
import { notFound, staffRoute } from '../http/route.server';
import { EmptyState, Notice, PageHeader, ProgressBar, StatusBadge } from '../ui/components';
import { dateFormat } from '../ui/dates.server';
import { PageErrorBoundary } from '../ui/error-panel';
import { useLiveRevalidation, usePolling } from '../ui/live-updates';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.engagement.title} · CPA Platform` : 'Engagement · CPA Platform' },
];

export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'engagements.view', async ({ staff, em, visibility, actor }) => {
    const engagementId = args.params.engagementId;
    if (!isUuid(engagementId)) notFound('This engagement');
    // `?client=` is set by the redirect after starting onboarding: the row may be a moment away.
    const clientId = new URL(args.request.url).searchParams.get('client');
    // Only someone who sees every engagement is shown one that is still starting: it has no assignees yet.
    const justStarted = isUuid(clientId ?? undefined) && visibility.kind === 'all' ? clientId : null;
    const input = {
      organizationId: staff.organizationId,
      engagementId,
      visibility,
      format: dateFormat(staff.timeZone),
    };
    const view =
      (await engagementView(em, { ...input, waitMs: justStarted ? 2_000 : 0 })) ??
      (justStarted ? await pendingEngagementView({ ...input, clientId: justStarted }) : null);
    if (!view) notFound('This engagement');
    const intake = view.pending
      ? null
      : await intakePanel(em, {
          organizationId: staff.organizationId,
          engagementId,
          actor,
          format: input.format,
          canWork: can(staff.role, 'engagements.work'),
          canCancel: can(staff.role, 'engagements.assign'),
        });
    const taxReturn = view.pending
      ? null
      : await taxReturnPanel(em, {
          organizationId: staff.organizationId,
          engagementId,
          userId: staff.userId,
          format: input.format,
          can: {
            work: can(staff.role, 'engagements.work'),
            approve: can(staff.role, 'engagements.approve'),
            assign: can(staff.role, 'engagements.assign'),
            invoices: can(staff.role, 'invoices.manage'),
          },
        });
    const close = view.pending
      ? null
      : await closePanel(em, {
          organizationId: staff.organizationId,
          engagementId,
          format: input.format,
          canWork: can(staff.role, 'engagements.work'),
          canApprove: can(staff.role, 'engagements.approve'),
          canCancel: can(staff.role, 'engagements.assign'),
        });
    const retrying =
      view.pending || view.engagement.status !== 'active'
        ? []
        : (await readRetryingActivities(view.workflowId, staff.organizationId)).map((r) => ({
            activity: r.activity,
            attempt: r.attempt,
            lastError: r.lastError,
            nextAttempt: r.nextAttemptAt ? input.format.relative(r.nextAttemptAt) : null,
          }));
    const canAssign = can(staff.role, 'engagements.assign');
    const onboarding = view.onboardingActions
      ? {
          awaitingProfile: view.onboardingActions.awaitingProfile,
          canResend: can(staff.role, 'engagements.work'),
          canCancel: canAssign,
          // Offered only while a follow-up task is open, to those who may assign work.
          reassignTo:
            canAssign && view.onboardingActions.followUpOpen
              ? (
                  await em.find(
                    Membership,
                    { organization: staff.organizationId, deactivatedAt: null },
                    { populate: ['user'], orderBy: { user: { name: 'asc' } } },
                  )
                ).map((m) => ({ userId: m.user.id, name: m.user.name, role: m.role }))
              : null,
        }
      : null;
    return {
      ...view,
      intake,
      taxReturn,
      close,
      retrying,
      onboarding,
      canWork: can(staff.role, 'engagements.work'),
    };
  });
}

export default function EngagementPage() {
  const view = useLoaderData<typeof loader>();
  const {
    engagement,
    steps,
    live,
    liveNote,
    timeline,
    tasks,
    intake,
    taxReturn,
    close,
    retrying,
    onboarding,
    canWork,
  } = view;
  useLiveRevalidation(view.pending ? null : `/app/engagements/${engagement.id}/events`);
  usePolling(view.pending, 1_500);

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/app/engagements">Engagements</Link> <span aria-hidden="true">/</span>{' '}
        <span>{engagement.title}</span>
      </nav>
      <PageHeader
        title={engagement.title}
        description={
          <>
            {engagement.type}
            {engagement.clientName ? (
              <>
                {' for '}
                <Link to={`/app/clients/${engagement.clientId}`}>{engagement.clientName}</Link>
              </>
            ) : null}
            {' · '}
            <StatusBadge status={engagement.status} label={engagement.statusLabel} />
          </>
        }
        actions={
          view.temporalUiUrl ? (
            <a className="button button-secondary" href={view.temporalUiUrl} target="_blank" rel="noreferrer">
              Open in Temporal UI
            </a>
          ) : null
        }
      />

      <section className="card" aria-labelledby="progress-title">
        <div className="card-header">
          <h2 id="progress-title">{engagement.stageLabel}</h2>
          <ProgressBar value={engagement.progress} label="Engagement progress" />
        </div>
        <ol className="stepper">
          {steps.map((step, index) => (
            <li
              key={step.stage}
              className={`step step-${step.state}`}
              aria-current={step.state === 'current' ? 'step' : undefined}
            >
              <span className="step-marker" aria-hidden="true">
                {step.state === 'done' ? '✓' : index + 1}
              </span>
              <span className="step-label">
                {step.label}
                <span className="visually-hidden">
                  {step.state === 'done'
                    ? ' (done)'
                    : step.state === 'current'
                      ? ' (current)'
                      : ' (upcoming)'}
                </span>
              </span>
            </li>
          ))}
        </ol>
        <p className="small muted live-status" aria-live="polite">
          {engagement.started ? `Started ${engagement.started} · ` : null}
          Updated {engagement.updated}
          {engagement.completed ? ` · completed ${engagement.completed}` : null}
        </p>
      </section>

      {liveNote ? <Notice tone={liveNote.tone}>{liveNote.text}</Notice> : null}
      {live?.cancellation ? (
        <Notice tone="warning">
          {`Cancelled ${live.cancellation.at.at}${live.cancellation.by ? ` by ${live.cancellation.by}` : ''}: ${live.cancellation.reason}`}
        </Notice>
      ) : null}
      {view.failure ? (
        <div className="alert alert-danger" role="status">
          {`This engagement failed: ${view.failure.reason}`}
        </div>
      ) : null}
      {live?.failingStep ? (
        <FailingStepNotice
          engagementId={engagement.id}
          failing={live.failingStep}
          canRetry={canWork && engagement.status === 'active'}
        />
      ) : null}
      {retrying.map((r, index) => (
        <Notice key={`${r.activity}-${index}`} tone="warning">
          {`Retrying “${r.activity}” (attempt ${r.attempt}${r.nextAttempt ? `, next try ${r.nextAttempt}` : ''}): ${r.lastError}`}
        </Notice>
      ))}

      <div className="columns">
        <section className="card" aria-labelledby="waiting-title">
          <h2 id="waiting-title">Waiting for</h2>
          {live ? (
            <dl className="details">
              <dt>What</dt>
              <dd>
                {live.waitingFor
                  ? `${live.waitingFor.what} (from the ${live.waitingFor.from})`
                  : engagement.status === 'completed'
                    ? 'Nothing: this engagement is complete.'
                    : engagement.status === 'cancelled'
                      ? 'Nothing: this engagement was cancelled.'
                      : engagement.status === 'failed'
                        ? 'Nothing: this engagement failed.'
                        : 'Nothing: the workflow is working on the next step.'}
              </dd>
              {live.waitingFor ? (
                <>
                  <dt>Since</dt>
                  <dd>
                    {live.waitingFor.since.at} ({live.waitingFor.since.relative})
                  </dd>
                </>
              ) : null}
              <dt>Reminders</dt>
              <dd>
                {live.reminders.sent} of {live.reminders.planned} sent
              </dd>
              <dt>Next reminder</dt>
              <dd>
                {live.reminders.next
                  ? `${live.reminders.next.at} (${live.reminders.next.relative})`
                  : 'None planned'}
              </dd>
              {live.reminders.notSentReason ? (
                <>
                  <dt>Not sent because</dt>
                  <dd>{live.reminders.notSentReason}</dd>
                </>
              ) : null}
              <dt>Staff follow-up</dt>
              <dd>
                {live.reminders.escalated
                  ? 'Task created: the client did not answer the last reminder'
                  : engagement.status === 'active'
                    ? 'Not needed so far'
                    : 'Not needed'}
              </dd>
              <dt>Next deadline</dt>
              <dd>
                {live.nextDeadline
                  ? `${live.nextDeadline.label}: ${live.nextDeadline.at} (${live.nextDeadline.relative})`
                  : 'None'}
              </dd>
            </dl>
          ) : (
            <p>{engagement.waitingFor}</p>
          )}
        </section>

        <section className="card" aria-labelledby="tasks-title">
          <h2 id="tasks-title">Open tasks</h2>
          {tasks.length === 0 ? (
            <EmptyState title="No open tasks" />
          ) : (
            <ul className="item-list">
              {tasks.map((task) => (
                <li key={task.id} className="item">
                  <div className="item-main">
                    <span className="item-title">{task.title}</span>
                    {task.details ? <span className="item-meta">{task.details}</span> : null}
                  </div>
                  <div className="item-side">
                    {task.due ? <span className="small">Due {task.due}</span> : null}
                  </div>
                </li>
              ))}
            </ul>
          )}
          <p className="small">
            <Link to="/app/tasks">All tasks</Link>
          </p>
        </section>
      </div>

      {onboarding ? <OnboardingPanel engagementId={engagement.id} panel={onboarding} /> : null}
      {taxReturn ? <TaxReturnPanel engagementId={engagement.id} panel={taxReturn} /> : null}
      {close ? <ClosePanel engagementId={engagement.id} panel={close} /> : null}
      {intake ? <IntakePanel engagementId={engagement.id} panel={intake} /> : null}

      <section className="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        {timeline.length === 0 ? (
          <EmptyState title="Nothing recorded yet" />
        ) : (
          <ol className="timeline">
            {timeline.map((event) => (
              <li key={event.id} className={`timeline-item timeline-${event.kind}`}>
                <time dateTime={event.atIso}>{event.at}</time>
                <span className="timeline-message">{event.message}</span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <PageErrorBoundary homeHref="/app" />;
}
