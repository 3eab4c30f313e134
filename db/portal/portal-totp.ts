import type { EntityManager } from '@mikro-orm/postgresql';
import { SensitiveString } from '../../lib/crypto/sensitive-string';
import { generateTotpSecret, verifyTotp } from '../../lib/crypto/totp';
import { AppError } from '../../lib/errors';
import type { TActor } from '../audit/actor';
import { recordAuditEvent } from '../audit/record-audit-event';
import { PortalCredential } from './portal-credential.entity';

/** An enrolment page left open longer than this gets a new secret on its next load. */
const pendingSecretMinutes = 30;

const noCredential = () =>
  new AppError('conflict', 'Choose how you sign in first (a password or emailed codes).', {
    reason: 'no_sign_in_method',
  });

function credentialOf(em: EntityManager, input: { organizationId: string; contactId: string }) {
  return em.findOne(
    PortalCredential,
    { contact: input.contactId, organization: input.organizationId },
    { populate: ['totpSecret'] },
  );
}

/**
 * The secret for a portal contact adding an authenticator app: the one already shown if it is recent
 * (reloading must not change the QR code being scanned), else a new one. Fails when one is set up.
 */
export async function startPortalTotpEnrolment(
  em: EntityManager,
  input: { organizationId: string; contactId: string; now?: Date },
): Promise<{ secret: string }> {
  const now = input.now ?? new Date();
  return em.transactional(async (tx) => {
    const credential = await credentialOf(tx, input);
    if (!credential) throw noCredential();
    if (credential.totpConfirmedAt) {
      throw new AppError('conflict', 'Your authenticator app is already set up.', {
        reason: 'totp_already_enrolled',
      });
    }
    const started = credential.totpSecret ? credential.updatedAt : null;
    if (
      credential.totpSecret &&
      started &&
      now.getTime() - started.getTime() < pendingSecretMinutes * 60_000
    ) {
      return { secret: credential.totpSecret.reveal() };
    }
    const secret = generateTotpSecret();
    credential.totpSecret = new SensitiveString(secret);
    credential.totpLastUsedStep = null;
    return { secret };
  });
}

/**
 * Finishes adding an authenticator app: the first code proves the app holds the secret. From then on
 * every sign-in asks for a code from the app. Audited as `portal.totp_enrolled`.
 */
export async function confirmPortalTotp(
  em: EntityManager,
  actor: TActor,
  input: { organizationId: string; contactId: string; code: string; now?: Date },
): Promise<void> {
  await em.transactional(async (tx) => {
    const credential = await credentialOf(tx, input);
    if (!credential) throw noCredential();
    if (credential.totpConfirmedAt) {
      throw new AppError('conflict', 'Your authenticator app is already set up.', {
        reason: 'totp_already_enrolled',
      });
    }
    if (!credential.totpSecret) {
      throw new AppError('invalid_input', 'Start again: reload this page to get a new QR code.', {
        reason: 'no_pending_enrolment',
      });
    }
    const result = verifyTotp(credential.totpSecret.reveal(), input.code, { at: input.now });
    if (!result.ok) {
      throw new AppError(
        'invalid_input',
        result.reason === 'malformed'
          ? 'Enter the 6-digit code from your authenticator app.'
          : 'That code did not match. Check that your phone’s clock is set automatically, then enter the code your app shows now.',
        { reason: 'wrong_code' },
      );
    }
    credential.totpConfirmedAt = input.now ?? new Date();
    credential.totpLastUsedStep = result.step;
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor,
      action: 'portal.totp_enrolled',
      target: { type: 'contact', id: input.contactId },
    });
  });
}

export type TPortalTotpCheck = 'ok' | 'wrong' | 'replayed' | 'malformed' | 'not_enrolled';

/**
 * Checks a code from a contact's authenticator app (at sign-in, or to remove the app). An accepted
 * code's time step is remembered, so the same code cannot be used twice.
 */
export async function verifyPortalTotp(
  em: EntityManager,
  input: { organizationId: string; contactId: string; code: string; now?: Date },
): Promise<TPortalTotpCheck> {
  return em.transactional(async (tx) => {
    const credential = await credentialOf(tx, input);
    if (!credential?.totpConfirmedAt || !credential.totpSecret) return 'not_enrolled';
    const result = verifyTotp(credential.totpSecret.reveal(), input.code, {
      at: input.now,
      lastUsedStep: credential.totpLastUsedStep,
    });
    if (!result.ok) return result.reason;
    credential.totpLastUsedStep = result.step;
    return 'ok';
  });
}

/**
 * Removes a contact's authenticator app, after a current code from it proves they still hold it.
 * Audited as `portal.totp_removed`.
 */
export async function removePortalTotp(
  em: EntityManager,
  actor: TActor,
  input: { organizationId: string; contactId: string; code: string; now?: Date },
): Promise<void> {
  const check = await verifyPortalTotp(em, input);
  if (check === 'not_enrolled') {
    throw new AppError('conflict', 'There is no authenticator app to remove.', {
      reason: 'totp_not_enrolled',
    });
  }
  if (check !== 'ok') {
    throw new AppError(
      'invalid_input',
      check === 'malformed'
        ? 'Enter the 6-digit code from your authenticator app.'
        : 'That code did not match. Enter the code your app shows now.',
      { reason: 'wrong_code' },
    );
  }
  await em.transactional(async (tx) => {
    const credential = await credentialOf(tx, input);
    if (!credential) throw noCredential();
    credential.totpSecret = null;
    credential.totpConfirmedAt = null;
    credential.totpLastUsedStep = null;
    recordAuditEvent(tx, {
      organizationId: input.organizationId,
      actor,
      action: 'portal.totp_removed',
      target: { type: 'contact', id: input.contactId },
    });
  });
}
