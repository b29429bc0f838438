import { createTransport, type Transporter } from 'nodemailer';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Deterministic per notification, so a receiving system can recognise the rare resend as the same mail. */
  messageId: string;
  /** One-click unsubscribe (RFC 8058) for non-mandatory notices. */
  unsubscribeUrl: string | null;
}

/** The SMTP server refused the message for good (unknown mailbox, rejected sender): retrying cannot help. */
export class EmailRejectedError extends Error {
  override name = 'EmailRejectedError';
}

export interface EmailChannel {
  send(mail: OutgoingEmail): Promise<string>;
  close(): void;
}

/** Email over SMTP through nodemailer (`SMTP_URL`, `MAIL_FROM`). 5xx answers are permanent; the rest retry. */
export function createEmailChannel(config: { smtpUrl: string; from: string }): EmailChannel {
  // A send never outlives the activity that makes it (a minute), so a retry never overlaps it.
  const transport: Transporter = createTransport({ url: config.smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail({
          from: config.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
          ...(mail.unsubscribeUrl ? { list: { unsubscribe: { url: mail.unsubscribeUrl, comment: 'Unsubscribe' } }, headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } } : {}),
        });
        if ((info.rejected ?? []).length > 0) throw new EmailRejectedError(`rejected by the mail server: ${info.response}`);
        return info.messageId;
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        if (code && code >= 500) throw new EmailRejectedError((error as Error).message);
        throw error;
      }
    },
    close: () => transport.close(),
  };
}
