import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { createTransport } from 'nodemailer';
import request from 'supertest';
import { devMailRouter } from '../../src/notifications/api/devMail';
import { listDevMail, startDevMailbox } from '../../src/notifications/devMailbox';
import { startFakeSmtp } from '../fakes/smtp';
import { until } from '../helpers/booking';

const from = 'Callgenly <noreply@callgenly.test>';

describe('dev mailbox', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'callgenly-mail-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('stores every message as an .eml file and lists them newest first', async () => {
    const mailbox = await startDevMailbox({ dir, port: 0 });
    try {
      const transport = createTransport(mailbox.url);
      await transport.sendMail({ from, to: 'ann@example.test', subject: 'First', text: 'one\ntwo' });
      await transport.sendMail({ from, to: 'bob@example.test', subject: 'Second', text: 'three' });
    } finally {
      await mailbox.stop();
    }
    expect((await readdir(dir)).filter((f) => !f.endsWith('.eml'))).toEqual([]);
    const mail = await listDevMail(dir);
    expect(mail.map((m) => [m.subject, m.to, m.text.trim()])).toEqual([
      ['Second', 'bob@example.test', 'three'],
      ['First', 'ann@example.test', 'one\ntwo'],
    ]);
    expect(mail[0]!.from).toContain('noreply@callgenly.test');
    expect(await listDevMail(dir, 1)).toHaveLength(1);
    expect(await listDevMail(path.join(dir, 'missing'))).toEqual([]);
  });

  it('serves GET /dev/mail as escaped HTML', async () => {
    const mailbox = await startDevMailbox({ dir, port: 0 });
    try {
      await createTransport(mailbox.url).sendMail({ from, to: 'ann@example.test', subject: '<b>Hi</b> & bye', text: '<script>x</script>' });
    } finally {
      await mailbox.stop();
    }
    const res = await request(express().use(devMailRouter(dir))).get('/dev/mail').expect(200);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('&lt;b&gt;Hi&lt;/b&gt; &amp; bye');
    expect(res.text).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(res.text).not.toContain('<script>');
  });
});

describe('fake SMTP server', () => {
  it('records accepted messages with their envelope recipients', async () => {
    const fake = await startFakeSmtp();
    try {
      await createTransport(fake.url).sendMail({ from, to: 'ann@example.test', bcc: 'audit@example.test', subject: 'Hi', text: 'hello' });
      expect(fake.messages).toHaveLength(1);
      expect(fake.messages[0]!.subject).toBe('Hi');
      expect(fake.messages[0]!.envelope.to).toEqual(['ann@example.test', 'audit@example.test']);
      expect(fake.sessions).toBe(1);
    } finally {
      await fake.close();
    }
  });

  it('refuses a rejected recipient with a permanent 550 and records nothing', async () => {
    const fake = await startFakeSmtp({ rejectRecipient: (address) => address.startsWith('gone@') });
    try {
      const sent = createTransport(fake.url).sendMail({ from, to: 'gone@example.test', subject: 'Hi', text: 'hello' });
      await expect(sent).rejects.toMatchObject({ responseCode: 550 });
      expect(fake.messages).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('does not record a message whose client hung up before the DATA reply', async () => {
    let release = () => {};
    let held = false;
    const fake = await startFakeSmtp({
      holdData: () => {
        if (held) return undefined;
        held = true;
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    try {
      // Our own socket, so the test can kill the "worker" while the server holds its reply.
      let socket: net.Socket | undefined;
      const transport = createTransport({
        url: fake.url,
        getSocket: (_options, callback) => {
          const s: net.Socket = net.connect(Number(new URL(fake.url).port), '127.0.0.1', () => callback(null, { connection: s }));
          socket = s;
        },
      });
      const sent = transport.sendMail({ from, to: 'ann@example.test', subject: 'Lost', text: 'hello' });
      await until(() => held, 5_000);
      socket!.destroy();
      await expect(sent).rejects.toThrow();
      await until(() => fake.openSessions === 0, 5_000);
      release();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fake.messages).toEqual([]);

      // The retry on a new connection is the one that counts.
      await createTransport(fake.url).sendMail({ from, to: 'ann@example.test', subject: 'Retried', text: 'hello' });
      expect(fake.messages.map((m) => m.subject)).toEqual(['Retried']);
      expect(fake.sessions).toBe(2);
    } finally {
      await fake.close();
    }
  });
});
