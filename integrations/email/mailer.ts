import nodemailer from 'nodemailer';
import { classifySmtpError } from './delivery-error';

export { EmailDeliveryError, isEmailDeliveryError } from './delivery-error';

export interface TOutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** A stable Message-ID so a resend of the same business email is recognisable downstream. */
  messageId?: string;
  headers?: Record<string, string>;
}

/** The email port: production and local development both speak SMTP. */
export interface Mailer {
  /** Hands the email to the mail server; throws an EmailDeliveryError that says whether to retry. */
  send(email: TOutgoingEmail): Promise<{ messageId: string }>;
  close(): void;
}

/**
 * Seconds the transport waits for the server. Kept short so an unreachable server fails an attempt
 * quickly (and the sent-log's claim on the email, see db/email/send-email-once.ts, outlives it).
 */
export const smtpTimeouts = { connectionMs: 10_000, greetingMs: 10_000, socketMs: 30_000 };

export function createSmtpMailer({ smtpUrl, from }: { smtpUrl: string; from: string }): Mailer {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: smtpTimeouts.connectionMs,
    greetingTimeout: smtpTimeouts.greetingMs,
    socketTimeout: smtpTimeouts.socketMs,
  });
  return {
    async send(email) {
      try {
        const info = await transport.sendMail({
          from,
          to: email.to,
          subject: email.subject,
          text: email.text,
          html: email.html,
          messageId: email.messageId,
          headers: email.headers,
        });
        return { messageId: info.messageId };
      } catch (error) {
        throw classifySmtpError(error);
      }
    },
    close() {
      transport.close();
    },
  };
}
