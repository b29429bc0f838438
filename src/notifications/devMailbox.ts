/**
 * The development mailbox: a local SMTP server that `npm run dev` points SMTP_URL at, so every email the
 * platform sends lands as a `.eml` file under DATA_DIR instead of reaching a real inbox. `npm run mail`
 * and GET /dev/mail read it back with `listDevMail`.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface DevMailbox {
  /** smtp://127.0.0.1:<port>, ready for SMTP_URL. */
  url: string;
  stop(): Promise<void>;
}

export interface DevMail {
  file: string;
  /** When the mailbox accepted the message (ISO instant). */
  date: string;
  from: string;
  to: string;
  subject: string;
  text: string;
}

/** Where the dev mailbox keeps its messages, shared by `npm run dev`, `npm run mail` and GET /dev/mail. */
export function devMailDir(dataDir: string): string {
  return path.join(dataDir, 'mail');
}

export async function startDevMailbox(options: { dir: string; port: number; host?: string }): Promise<DevMailbox> {
  const { dir, port, host = '127.0.0.1' } = options;
  await mkdir(dir, { recursive: true });
  const nextName = arrivalNames();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    // Shutting `npm run dev` down should not wait the default 30 s for a pooled client to hang up.
    closeTimeout: 1_000,
    onData(stream, _session, callback) {
      const name = nextName();
      // A dot-file without the .eml suffix: listDevMail never picks up a message still being written.
      const temp = path.join(dir, `.${name}.part`);
      pipeline(stream, createWriteStream(temp))
        .then(async () => {
          if (stream.sizeExceeded) throw Object.assign(new Error('Message too large'), { responseCode: 552 });
          await rename(temp, path.join(dir, name));
          callback();
        })
        .catch(async (err: Error) => {
          await unlink(temp).catch(() => undefined);
          callback(err);
        });
    },
  });
  return listenSmtp(server, port, host);
}

/** Starts `server` listening (port 0 picks a free one) and resolves once it accepts connections. */
export async function listenSmtp(server: SMTPServer, port: number, host: string): Promise<DevMailbox> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    url: `smtp://${host}:${(server.server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * File names that sort by arrival: the ISO instant (':' is not allowed on every file system), bumped by a
 * millisecond when two messages arrive in the same one, then a random suffix.
 */
function arrivalNames(): () => string {
  let last = 0;
  return () => {
    last = Math.max(Date.now(), last + 1);
    return `${new Date(last).toISOString().replace(/:/g, '-')}-${randomBytes(4).toString('hex')}.eml`;
  };
}

/** The newest `limit` messages of the mailbox, newest first; none when the mailbox was never started. */
export async function listDevMail(dir: string, limit = 50): Promise<DevMail[]> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const newest = names.filter((n) => n.endsWith('.eml')).sort().reverse().slice(0, limit);
  return Promise.all(newest.map((file) => readDevMail(path.join(dir, file))));
}

async function readDevMail(file: string): Promise<DevMail> {
  const [raw, info] = await Promise.all([readFile(file), stat(file)]);
  const mail = await simpleParser(raw);
  return {
    file,
    date: info.mtime.toISOString(),
    from: addresses(mail.from),
    to: addresses(mail.to),
    subject: mail.subject ?? '',
    text: mail.text ?? '',
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string {
  return [field ?? []].flat().map((a) => a.text).join(', ');
}
