/**
 * Why an email could not be handed to the mail server, and whether trying again can help.
 *
 * - retryable: the server could not be reached (refused, DNS, TLS, timeout, dropped connection), it
 *   answered with a temporary 4xx code (greylisting, mailbox busy, rate limit), or it refused us for
 *   a reason of our own configuration (sender or authentication), which an operator can fix.
 * - permanent: the server refused the recipient or the message itself with a 5xx code (no such
 *   mailbox, domain does not accept mail, message rejected), or the address cannot be sent to at all.
 *   Sending the same email again would fail the same way.
 */
export class EmailDeliveryError extends Error {
  override name = 'EmailDeliveryError';
  readonly retryable: boolean;
  /** The SMTP reply code when the server answered, e.g. 550. */
  readonly smtpCode: number | undefined;
  /** A short reason safe to store and show to staff (never message content). */
  readonly reason: string;

  constructor(reason: string, options: { retryable: boolean; smtpCode?: number; cause?: unknown }) {
    super(`email not delivered (${options.retryable ? 'retryable' : 'permanent'}): ${reason}`, {
      cause: options.cause,
    });
    this.reason = reason;
    this.retryable = options.retryable;
    this.smtpCode = options.smtpCode;
  }
}

export function isEmailDeliveryError(error: unknown): error is EmailDeliveryError {
  return error instanceof EmailDeliveryError;
}

interface TSmtpErrorShape {
  code?: unknown;
  responseCode?: unknown;
  command?: unknown;
  response?: unknown;
  message?: unknown;
}

/** Commands whose 5xx answer is about this recipient or this message, not about our setup. */
const messageCommands = new Set(['RCPT TO', 'DATA']);

/** Turns what nodemailer threw into an EmailDeliveryError that says whether a retry can help. */
export function classifySmtpError(error: unknown): EmailDeliveryError {
  if (isEmailDeliveryError(error)) return error;
  const shape: TSmtpErrorShape = typeof error === 'object' && error !== null ? error : {};
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  const smtpCode = typeof shape.responseCode === 'number' ? shape.responseCode : undefined;
  const command = typeof shape.command === 'string' ? shape.command : undefined;
  const reply = typeof shape.response === 'string' ? oneLine(shape.response) : undefined;

  if (smtpCode !== undefined && smtpCode >= 500 && command && messageCommands.has(command)) {
    const what = command === 'RCPT TO' ? 'the recipient was refused' : 'the message was refused';
    return new EmailDeliveryError(`${what}: ${reply ?? smtpCode}`, {
      retryable: false,
      smtpCode,
      cause: error,
    });
  }
  if (code === 'EENVELOPE' && smtpCode === undefined) {
    // nodemailer refused the address before talking to the server (malformed or missing recipient).
    return new EmailDeliveryError('the recipient address cannot receive email', {
      retryable: false,
      cause: error,
    });
  }
  if (smtpCode !== undefined) {
    const kind = smtpCode >= 500 ? 'refused' : 'temporarily refused';
    return new EmailDeliveryError(`the mail server ${kind} ${command ?? 'the email'}: ${reply ?? smtpCode}`, {
      retryable: true,
      smtpCode,
      cause: error,
    });
  }
  const detail = error instanceof Error ? oneLine(error.message) : String(error);
  const why =
    code === 'ETIMEDOUT'
      ? 'the mail server did not answer in time'
      : code === 'EDNS'
        ? 'the mail server name could not be resolved'
        : code === 'ETLS'
          ? 'a secure connection to the mail server failed'
          : 'the mail server could not be reached';
  return new EmailDeliveryError(`${why} (${detail})`, { retryable: true, cause: error });
}

function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim().slice(0, 300);
}
