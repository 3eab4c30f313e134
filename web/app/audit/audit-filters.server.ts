import { z } from 'zod';
import type { TAuditFilters } from '../../../db/audit/list-audit-events';
import { isUuid } from '../../../lib/ids';
import { AppError } from '../../../lib/errors';

/**
 * The audit log's filters as they appear in the address (so a filtered view can be bookmarked and
 * exported): `actor` (a person's ID, `system` or `portal`), `action`, `target`, `from` and `to`
 * (days, inclusive, in the firm's time zone).
 */
export interface TAuditFilterParams {
  actor: string;
  action: string;
  target: string;
  from: string;
  to: string;
}

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter dates as YYYY-MM-DD.')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'Enter a real date.');

const ZAuditFilterParams = z.object({
  actor: z
    .string()
    .refine(
      (value) => value === 'system' || value === 'portal' || isUuid(value),
      'Choose who acted from the list.',
    )
    .or(z.literal('')),
  action: z
    .string()
    .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, 'Choose an action from the list.')
    .max(80)
    .or(z.literal('')),
  target: z
    .string()
    .regex(/^[a-z0-9_]+$/, 'Choose what was acted on from the list.')
    .max(60)
    .or(z.literal('')),
  from: day.or(z.literal('')),
  to: day.or(z.literal('')),
});

/** The offset of a time zone from UTC at an instant, in milliseconds. */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const wallClock = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return wallClock - Math.floor(instant / 1000) * 1000;
}

/** Midnight at the start of a calendar day (YYYY-MM-DD) in a time zone, as an instant. */
export function startOfDayIn(dayText: string, timeZone: string, addDays = 0): Date {
  const [year, month, date] = dayText.split('-').map(Number) as [number, number, number];
  const wallClock = Date.UTC(year, month - 1, date + addDays);
  // Twice: the offset at the guessed instant may differ from the one at the answer (daylight saving).
  const first = wallClock - zoneOffsetMs(wallClock, timeZone);
  return new Date(wallClock - zoneOffsetMs(first, timeZone));
}

/**
 * Reads the filters from the address. Anything malformed is refused with a message that says what to
 * fix (400), so a hand-edited address never silently shows the wrong events.
 */
export function parseAuditFilters(
  params: URLSearchParams,
  timeZone: string,
): { params: TAuditFilterParams; filters: TAuditFilters } {
  const raw = {
    actor: (params.get('actor') ?? '').trim(),
    action: (params.get('action') ?? '').trim(),
    target: (params.get('target') ?? '').trim(),
    from: (params.get('from') ?? '').trim(),
    to: (params.get('to') ?? '').trim(),
  };
  const parsed = ZAuditFilterParams.safeParse(raw);
  if (!parsed.success) {
    throw new AppError('invalid_input', parsed.error.issues[0]?.message ?? 'These filters are not valid.');
  }
  const value = parsed.data;
  if (value.from && value.to && value.from > value.to) {
    throw new AppError('invalid_input', 'The “from” date must be on or before the “to” date.');
  }
  const filters: TAuditFilters = {};
  if (value.actor === 'system') filters.actorType = 'system';
  else if (value.actor === 'portal') filters.actorType = 'contact';
  else if (value.actor) filters.actorId = value.actor;
  if (value.action) filters.action = value.action;
  if (value.target) filters.targetType = value.target;
  if (value.from) filters.from = startOfDayIn(value.from, timeZone);
  if (value.to) filters.to = startOfDayIn(value.to, timeZone, 1);
  return { params: value, filters };
}

/** The filters as query-string pairs (empty ones left out). */
export function filterQuery(params: TAuditFilterParams): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== ''));
}
