import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp } from '../../src/app';
import { createLogger } from '../../src/platform/logger';
import { Browser, PASSWORD, randomIp, uniqueEmail } from '../helpers/api';
import { startCallStack, type CallStack } from '../helpers/callStack';

/**
 * No secret, token, phone number, email or transcript text in any log line: a sign-up, a session, an API
 * key, an invitation, a call with a caller who gives their name and number, a message, calls filtered by
 * number and a failed sign-in all run at debug level, and every line the platform logged is scanned.
 */
const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  },
});
let stack: CallStack;
beforeAll(async () => {
  stack = await startCallStack({ LOG_LEVEL: 'debug' }, { logger: createLogger('debug', 'callgenly', sink) });
}, 60_000);
afterAll(() => stack.close());

test('the logs of a day at the front desk name no secret and no person', async () => {
  const app = createApp(stack.services);
  const email = uniqueEmail('log-scan');
  const owner = new Browser(app, randomIp());
  const signedUp = await owner.signUp({ email });
  const signedIn = await owner.post('/api/v1/auth/signin', { email, password: PASSWORD });
  owner.remember(signedIn);
  const cookie = signedIn.headers['set-cookie'] as unknown as string[];
  const sessionToken = cookie.find((c) => c.startsWith('cg_session='))!.split(';')[0]!.split('=')[1]!;
  const key = (await owner.post('/api/v1/api-keys', { name: 'Log scan' })).body.key as string;
  const invitee = uniqueEmail('log-invitee');
  const invitation = await owner.post('/api/v1/invitations', { email: invitee, role: 'member' });
  await request(app).get(`/invitations/accept?token=${encodeURIComponent(invitation.body.token)}`);
  await request(app).post('/api/v1/auth/signin').send({ email, password: 'a wrong password, logged?' });

  // A call: the caller says who they are and their number; a message is taken.
  const call = stack.call({ from: '+14155550163' });
  await call.dial();
  stack.llm.script({ toolCalls: [{ name: 'take_message', arguments: { caller_name: 'Theodora Quill', message: 'Please call me about my crown', callback_number: '+14155550164' } }] }, { content: 'I have passed that on.' });
  await call.say('This is Theodora Quill, my number is 415 555 0164, please call me about my crown');
  await call.status('completed', 20);
  await stack.result(call);
  await request(app).get('/api/v1/calls?number=%2B14155550163').set('Authorization', `Bearer ${key}`);

  await new Promise((r) => setTimeout(r, 500));
  const secrets = {
    email,
    invitee,
    password: PASSWORD,
    'wrong password': 'a wrong password, logged?',
    'session token': sessionToken,
    'CSRF token': signedIn.body.csrfToken as string,
    'first CSRF token': signedUp.csrfToken,
    'API key': key,
    'invitation token': invitation.body.token as string,
    'caller number': '4155550163',
    'callback number': '4155550164',
    'caller name': 'Theodora Quill',
    'what was said': 'about my crown',
  };
  expect(lines.length).toBeGreaterThan(10); // it did log: each request, the worker
  const found = Object.entries(secrets)
    .filter(([, value]) => value && lines.some((l) => l.includes(value)))
    .map(([what]) => `${what}: ${lines.find((l) => l.includes(secrets[what as keyof typeof secrets]))!.slice(0, 300)}`);
  expect(found).toEqual([]);
}, 90_000);
