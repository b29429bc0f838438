/**
 * A real SMTP server (smtp-server) on 127.0.0.1 for tests. Like a real MTA, it takes responsibility for a
 * message only with the successful reply to DATA: a message whose client hung up before that reply is not
 * recorded, which is what lets tests prove exactly-once delivery across a worker killed mid-send.
 */
import { buffer } from 'node:stream/consumers';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { listenSmtp } from '../../src/notifications/devMailbox';

export interface FakeSmtpOptions {
  /** Recipients to refuse at RCPT TO with a permanent 550. */
  rejectRecipient?: (address: string) => boolean;
  /** Called once the whole message is in; when it returns a promise, the DATA reply waits for it. */
  holdData?: () => Promise<void> | undefined;
}

export type FakeSmtpMessage = ParsedMail & {
  /** The envelope (MAIL FROM / RCPT TO), which may differ from the headers (e.g. Bcc). */
  envelope: { from: string | null; to: string[] };
};

export interface FakeSmtp {
  url: string;
  /** Accepted messages, in the order their DATA was answered with 250. */
  messages: FakeSmtpMessage[];
  /** Connections opened so far. */
  readonly sessions: number;
  /** Connections open now; 0 once the server has seen every client hang up. */
  readonly openSessions: number;
  close(): Promise<void>;
}

export async function startFakeSmtp(options: FakeSmtpOptions = {}): Promise<FakeSmtp> {
  const messages: FakeSmtpMessage[] = [];
  let sessions = 0;
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 100,
    onConnect(_session, callback) {
      sessions += 1;
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipient?.(address.address)) return callback(smtpError(550, `Mailbox unavailable: ${address.address}`));
      callback();
    },
    onData(stream, session, callback) {
      // The envelope is reset as soon as the reply is sent, so take it now.
      const envelope = {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
        to: session.envelope.rcptTo.map((r) => r.address),
      };
      // Reading the stream to its end is required: the server sends no reply before the stream ended.
      buffer(stream)
        .then(async (raw) => {
          await options.holdData?.();
          const parsed = await simpleParser(raw);
          // After the hold the client may be gone: the 250 would go nowhere, so the message is not ours.
          if (!isOpen(server, session)) return callback(smtpError(451, 'Client went away before the reply'));
          messages.push(Object.assign(parsed, { envelope }));
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  const { url, stop } = await listenSmtp(server, 0, '127.0.0.1');
  return {
    url,
    messages,
    get sessions() {
      return sessions;
    },
    get openSessions() {
      return server.connections.size;
    },
    close: stop,
  };
}

/** smtp-server drops a connection from `connections` synchronously when its socket closes. */
function isOpen(server: SMTPServer, session: SMTPServerSession): boolean {
  for (const connection of server.connections) if (connection.id === session.id) return true;
  return false;
}

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}
