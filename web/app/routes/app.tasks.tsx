import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { completeTask } from '../../../db/tasks/complete-task';
import { can } from '../auth/permissions.server';
import { notFound, staffRoute } from '../http/route.server';
import { canSeeTask, listOpenTasks } from '../tasks/task-queries.server';
import { EmptyState, PageHeader } from '../ui/components';
import { dateFormat } from '../ui/dates.server';
import { PageErrorBoundary } from '../ui/error-panel';
import { CsrfInput } from '../ui/csrf-input';

export const meta: MetaFunction = () => [{ title: 'Tasks · CPA Platform' }];

const openTasksShown = 200;

export async function loader(args: LoaderFunctionArgs) {
  return staffRoute(args, 'tasks.view', async ({ staff, em, visibility }) => ({
    tasks: await listOpenTasks(em, {
      organizationId: staff.organizationId,
      visibility,
      limit: openTasksShown,
      format: dateFormat(staff.timeZone),
    }),
    canComplete: can(staff.role, 'tasks.complete'),
  }));
}

const ZCompleteTaskForm = z.object({ taskId: z.uuid() });

export async function action(args: ActionFunctionArgs) {
  return staffRoute(args, 'tasks.complete', async ({ staff, em, actor, visibility }) => {
    const parsed = ZCompleteTaskForm.safeParse(Object.fromEntries(await args.request.formData()));
    if (!parsed.success) notFound('This task');
    const { taskId } = parsed.data;
    if (!(await canSeeTask(em, { organizationId: staff.organizationId, visibility, taskId }))) {
      notFound('This task');
    }
    const task = await completeTask(em, {
      organizationId: staff.organizationId,
      taskId: parsed.data.taskId,
      actor,
    });
    return { completed: task.title };
  });
}

export default function Tasks() {
  const { tasks, canComplete } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const completing = navigation.state !== 'idle' ? navigation.formData?.get('taskId') : null;
  return (
    <>
      <PageHeader
        title="Tasks"
        description="Open work for the firm, soonest due first. Workflows open follow-up tasks here."
      />
      <section className="card flush">
        {tasks.length === 0 ? (
          <EmptyState title="No open tasks">
            When a client does not respond after the last reminder, a follow-up task appears here.
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Task</th>
                  <th scope="col">Client</th>
                  <th scope="col">Engagement</th>
                  <th scope="col">Due</th>
                  {canComplete ? (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {tasks.map((task) => (
                  <tr key={task.id}>
                    <td>
                      <span className="strong">{task.title}</span>
                      {task.details ? <span className="cell-detail">{task.details}</span> : null}
                    </td>
                    <td>
                      {task.clientId ? (
                        <Link to={`/app/clients/${task.clientId}`}>{task.clientName}</Link>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>
                      {task.engagementId ? (
                        <Link to={`/app/engagements/${task.engagementId}`}>{task.engagementTitle}</Link>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td className={task.overdue ? 'nowrap overdue' : 'nowrap'}>
                      {task.due ?? '—'}
                      {task.overdue ? <span className="visually-hidden"> (overdue)</span> : null}
                    </td>
                    {canComplete ? (
                      <td className="cell-action">
                        <Form method="post">
                          <CsrfInput />
                          <input type="hidden" name="taskId" value={task.id} />
                          <button
                            type="submit"
                            className="button button-secondary button-small"
                            disabled={completing === task.id}
                          >
                            {completing === task.id ? 'Saving…' : 'Mark done'}
                            <span className="visually-hidden">: {task.title}</span>
                          </button>
                        </Form>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <PageErrorBoundary homeHref="/app" />;
}
