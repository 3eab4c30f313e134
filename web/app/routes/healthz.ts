import { runHealthChecks } from '../health/health-checks.server';

/** Liveness and dependencies: 200 when Postgres, Redis, Temporal and blob storage all answer, else 503. */
export async function loader() {
  const report = await runHealthChecks();
  return Response.json(report, {
    status: report.status === 'ok' ? 200 : 503,
    headers: { 'Cache-Control': 'no-store' },
  });
}
