import nodemailer from 'nodemailer';

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
  send(email: TOutgoingEmail): Promise<{ messageId: string }>;
  close(): void;
}

export function createSmtpMailer({ smtpUrl, from }: { smtpUrl: string; from: string }): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(email) {
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
    },
    close() {
      transport.close();
    },
  };
}
