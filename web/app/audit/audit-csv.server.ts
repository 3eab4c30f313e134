import type { IAuditEvent } from '../../../db/audit/audit-event.entity';
import { auditEventBatches, type TAuditFilters } from '../../../db/audit/list-audit-events';
import type { EntityManager } from '../../../db/types';
import { auditActionLabel } from './audit-labels';
import { auditNames, detailsText, type TAuditNames } from './audit-log.server';

export const auditCsvColumns = [
  'occurred_at_utc',
  'action',
  'action_label',
  'actor_type',
  'actor_id',
  'actor',
  'target_type',
  'target_id',
  'target',
  'ip',
  'user_agent',
  'details',
] as const;

/**
 * One CSV cell. Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (or a tab or
 * carriage return, which some treat the same) as a formula, so such a cell gets a leading `'` and is
 * shown as text. Every cell is quoted, with quotes doubled, so commas and line breaks stay inside it.
 */
export function csvCell(value: string | null | undefined): string {
  let text = value ?? '';
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replaceAll('"', '""')}"`;
}

export function csvLine(cells: (string | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

function eventLine(event: IAuditEvent, names: TAuditNames): string {
  return csvLine([
    event.occurredAt.toISOString(),
    event.action,
    auditActionLabel(event.action),
    event.actorType,
    event.actorId ?? '',
    names.actor(event),
    event.targetType,
    event.targetId ?? '',
    names.target(event) ?? '',
    event.ip ?? '',
    event.userAgent ?? '',
    detailsText(event.details),
  ]);
}

/**
 * The firm's audit events matching the filters as a CSV stream (UTF-8 with a byte order mark, so
 * spreadsheet programs read accents right). Events are read in keyset batches as the browser takes
 * them, so a long log is never held in memory; a closed download stops the reading.
 */
export function auditCsvStream(
  em: EntityManager,
  input: { organizationId: string; filters: TAuditFilters },
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const batches = auditEventBatches(em, { ...input, batchSize: 500 });
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(`\uFEFF${csvLine([...auditCsvColumns])}`));
        return;
      }
      try {
        const next = await batches.next();
        if (next.done) {
          controller.close();
          return;
        }
        const names = await auditNames(em, next.value);
        controller.enqueue(encoder.encode(next.value.map((event) => eventLine(event, names)).join('')));
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
}
