import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/platform/ports';
import { PASSWORD } from '../helpers/api';
import { until } from '../helpers/booking';

/**
 * `npm run dev` as a newcomer runs it: embedded PostgreSQL, the Temporal dev server with its UI, migrations,
 * the demo organization, worker and API; Ctrl-C (SIGINT) stops the whole tree; a second run keeps the data.
 */
jest.setTimeout(180_000);
const ROOT = path.join(__dirname, '../..');
let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'callgenly-dev-'));
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    DEV_SMTP_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    // The CLI the test run resolved (or built): never a second build inside a test.
    TEMPORAL_CLI: process.env.TEST_TEMPORAL_CLI || undefined,
  };
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function startDev(): { child: ChildProcess; output: () => string; ready: Promise<void> } {
  // As `npm run dev` runs it: node with tsx as a loader, so Ctrl-C reaches the platform itself (see package.json).
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/dev.ts')], { cwd: ROOT, env });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ctrl-C stops everything/.test(output)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`dev exited early (${code}):\n${output}`)));
  });
  return { child, output: () => output, ready };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));
}

async function processesUsing(dir: string): Promise<string[]> {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(dir) || line.includes(`--port ${env.TEMPORAL_DEV_PORT}`));
}

test('first run: everything up, demo organization created; Ctrl-C stops every child', async () => {
  const dev = startDev();
  await dev.ready;
  const out = dev.output();
  expect(out).toMatch(/Callgenly is ready in \d+\.\d s/);
  expect(out).toMatch(/Bright Smile Dental \(org_[0-9a-z]+\), phone \+14155550100, just created/);

  // The console, from its sources with hot reload, on the API's origin; the demo clinic's owner can sign in.
  expect(out).toContain(`Console      http://localhost:${env.PORT}/  sign in as owner@clinic.callgenly.dev`);
  const page = await fetch(`http://127.0.0.1:${env.PORT}/calls`, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('/@vite/client');
  expect(html).toContain('/src/main.tsx');
  expect((await fetch(`http://127.0.0.1:${env.PORT}/src/main.tsx`)).headers.get('content-type')).toContain('javascript');
  const owner = await fetch(`http://127.0.0.1:${env.PORT}/api/v1/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@clinic.callgenly.dev', password: 'brush twice a day' }) });
  expect(((await owner.json()) as { organization: { name: string } }).organization.name).toBe('Bright Smile Dental');

  const ready = await fetch(`http://127.0.0.1:${env.PORT}/readyz`);
  expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } });
  const ui = await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`);
  expect(ui.status).toBe(200);
  // The Temporal UI sends the person's session with its codec requests to the API (HIPAA payloads decoded).
  const uiSettings = (await (await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/api/v1/settings`)).json()) as { Codec: { Endpoint: string; IncludeCredentials: boolean } };
  expect(uiSettings.Codec).toMatchObject({ Endpoint: `http://localhost:${env.PORT}/codec`, IncludeCredentials: true });
  // A newcomer sees the emails the platform sends: sign up, create an API key, read the security alert.
  expect(out).toContain(`http://localhost:${env.PORT}/dev/mail`);
  const api = `http://127.0.0.1:${env.PORT}/api/v1`;
  const signup = await fetch(`${api}/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'nia@nails.test', password: PASSWORD, name: 'Nia', organization: { name: 'Nia Nails', timeZone: 'Europe/London' }, ageConfirmed: true }),
  });
  expect(signup.status).toBe(201);
  const cookie = signup.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrfToken } = (await signup.json()) as { csrfToken: string };
  const key = await fetch(`${api}/api-keys`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken }, body: JSON.stringify({ name: 'Zapier' }) });
  expect(key.status).toBe(201);
  const mailPage = async () => (await fetch(`http://127.0.0.1:${env.PORT}/dev/mail`)).text();
  await until(async () => (await mailPage()).includes('Nia Nails: API key'), 20_000);
  expect(await mailPage()).toContain('nia@nails.test');

  dev.child.kill('SIGINT');
  expect(await exited(dev.child)).toBe(0);
  expect(await processesUsing(dataDir)).toEqual([]);
});

test('second run keeps the data: same demo organization, not created again', async () => {
  const dev = startDev();
  await dev.ready;
  expect(dev.output()).toMatch(/Bright Smile Dental \(org_[0-9a-z]+\), phone \+14155550100\n/);
  expect(dev.output()).not.toMatch(/just created/);
  dev.child.kill('SIGINT');
  expect(await exited(dev.child)).toBe(0);
});
