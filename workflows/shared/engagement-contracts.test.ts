import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  ZReminderCadence,
  rejectUpdate,
  reminderIdempotencyKey,
  reminderIntervals,
  updateRejectedFailureType,
  updateRejectionMessage,
} from './engagement.contracts';

describe('shared engagement contracts', () => {
  it('backs reminder waits off by the coefficient up to the longest wait', () => {
    const cadence = ZReminderCadence.parse({
      firstAfterSeconds: 86_400,
      backoffCoefficient: 2,
      maxIntervalSeconds: 5 * 86_400,
      maxReminders: 4,
      escalateAfterSeconds: 86_400,
    });
    expect(reminderIntervals(cadence)).toEqual([86_400, 2 * 86_400, 4 * 86_400, 5 * 86_400]);
  });

  it('takes a firm’s explicit waits as they are', () => {
    const cadence = ZReminderCadence.parse({
      firstAfterSeconds: 3,
      maxReminders: 3,
      escalateAfterSeconds: 2,
      intervalsSeconds: [3, 4, 7],
    });
    expect(reminderIntervals(cadence)).toEqual([3, 4, 7]);
  });

  it('refuses a cadence whose longest wait is shorter than its first', () => {
    const parsed = ZReminderCadence.safeParse({
      firstAfterSeconds: 100,
      maxIntervalSeconds: 10,
      maxReminders: 1,
      escalateAfterSeconds: 1,
    });
    expect(parsed.success).toBe(false);
  });

  it('keys each reminder once per workflow, kind and number', () => {
    expect(reminderIdempotencyKey('intake:abc', 'documents', 2)).toBe('reminder:intake:abc:documents:2');
  });

  it('reads the refusal sentence of a rejected update, also when wrapped', () => {
    let thrown: unknown;
    try {
      rejectUpdate('This item is already waived.', 'already_waived');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ApplicationFailure);
    expect((thrown as ApplicationFailure).type).toBe(updateRejectedFailureType);
    const wrapped = new Error('Workflow Update failed', { cause: thrown });
    expect(updateRejectionMessage(wrapped)).toBe('This item is already waived.');
    expect(updateRejectionMessage(new Error('connection refused'))).toBeNull();
  });
});
