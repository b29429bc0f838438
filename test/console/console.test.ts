import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser as Chromium, type Page } from '@playwright/test';
import Stripe from 'stripe';
import request from 'supertest';
import { consoleFiles } from '../../src/platform/http/console';
import { freePort } from '../../src/platform/ports';
import { resolveTemporalUi, startTemporalUi, type TemporalUi } from '../../src/platform/temporal/uiServer';
import { CALL_FROM_CONTEXT, PRACTICE_ANALYSIS_CONTEXT } from '../../src/platform/crypto/fieldContexts';
import { openPhone, phoneIndex } from '../../src/platform/crypto/phoneNumbers';
import { newId } from '../../src/platform/db/ids';
import { PASSWORD, uniqueEmail } from '../helpers/api';
import { startCallStack, type CallStack } from '../helpers/callStack';
import { randomPhone } from '../helpers/organizations';
import { stack as servers } from '../helpers/stack';

/**
 * The console in a real browser (Debian's Chromium, driven by Playwright) against the real stack: its
 * production build served by the API, sign-up and sign-in through its forms, a simulated call appearing
 * live in the calls list and its transcript opening, a learner's progress with its charts; axe-core finds
 * no serious violation on any page; every page is kept as a screenshot at desktop and phone width.
 */
const exec = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const SHOTS = path.join(ROOT, 'test-results', 'console');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WEBHOOK_SECRET = 'whsec_test_console';

let stack: CallStack;
let chromiumBrowser: Chromium;
let dist: string;

let temporalUi: TemporalUi;
let temporalUiUrl: string;

beforeAll(async () => {
  dist = mkdtempSync(path.join(tmpdir(), 'console-'));
  await exec('npx', ['vite', 'build', '--config', 'console/vite.config.ts', '--outDir', dist, '--emptyOutDir', '--logLevel', 'warn'], { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' } });
  // The Temporal UI as operators run it (its own server, sending the session to our codec server), on a port
  // the stack's links and CORS name before either starts.
  const uiServer = resolveTemporalUi(process.env.TEMPORAL_UI_SERVER);
  if (!uiServer) throw new Error('no Temporal UI server: run npm run temporal:cli (needs Go) or set TEMPORAL_UI_SERVER');
  const uiPort = await freePort();
  temporalUiUrl = `http://127.0.0.1:${uiPort}`;
  // Stripe is stripe-mock; its webhooks are signed here as Stripe signs them.
  stack = await startCallStack(
    { STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_API_URL: servers.stripeUrl(), STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, TEMPORAL_UI_URL: temporalUiUrl, CODEC_CORS_ORIGINS: temporalUiUrl },
    { console: consoleFiles(dist) },
  );
  temporalUi = await startTemporalUi({ binary: uiServer, temporalAddress: servers.temporalAddress(), port: uiPort, namespace: stack.services.config.temporal.namespace, codecEndpoint: `${stack.http.url}/codec` });
  chromiumBrowser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  mkdirSync(SHOTS, { recursive: true });
}, 120_000);
afterAll(async () => {
  await chromiumBrowser?.close();
  await temporalUi?.stop();
  await stack?.close();
});

/** axe-core on the page as it is: no serious or critical violation (WCAG 2 A and AA rules). */
async function accessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

/** The page at desktop and phone width, kept under test-results/console; at each it must fit the width. */
async function screenshots(page: Page, name: string): Promise<void> {
  for (const [width, height, label] of [[1280, 800, 'desktop'], [390, 844, 'phone']] as const) {
    await page.setViewportSize({ width, height });
    // Responsive: nothing wider than the screen (a wide table or chart scrolls inside itself).
    expect([name, label, await page.evaluate('document.documentElement.scrollWidth')]).toEqual([name, label, width]);
    await page.screenshot({ path: path.join(SHOTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test("the console's API types are the ones the API's OpenAPI document gives (npm run console:api)", async () => {
  const { stdout } = await exec(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'console/scripts/generateApiTypes.ts', '--check'], { cwd: ROOT });
  expect(stdout).toContain('the console API types are current');
});

test('the build is served with long-cached hashed assets; pages fall back to the console, the API stays JSON', async () => {
  const index = await request(stack.http.url).get('/calls').set('Accept', 'text/html');
  expect(index.status).toBe(200);
  expect(index.headers['cache-control']).toBe('no-cache');
  const script = /src="(\/assets\/index-[\w-]+\.js)"/.exec(index.text)?.[1];
  expect(script).toBeDefined();
  const asset = await request(stack.http.url).get(script!);
  expect(asset.status).toBe(200);
  expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  expect((await request(stack.http.url).get('/assets/index-missing.js')).status).toBe(404);
  const api = await request(stack.http.url).get('/api/v1/nothing-here').set('Accept', 'text/html');
  expect(api.status).toBe(404);
  expect(api.body.error.code).toBe('not_found');
});

test('an owner signs up; a call appears in the list while it happens and its transcript opens; a new greeting and question reach the next call', async () => {
  const context = await chromiumBrowser.newContext({ baseURL: stack.http.url });
  const page = await context.newPage();
  try {
    await page.goto('/');
    await page.waitForURL(/\/signin$/);
    await accessible(page);
    await screenshots(page, 'sign-in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await accessible(page);
    await screenshots(page, 'sign-up');

    const email = uniqueEmail('console-owner');
    await page.getByLabel('Your name').fill('Amy Lee');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Organization name').fill('Console Dental');
    await page.getByLabel(/^Password/).fill(PASSWORD);
    // Adults only: without the box ticked the form is not sent.
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Create your Callgenly account' }).waitFor();
    expect(await stack.services.db('users').where({ email }).first('id')).toBeUndefined();
    await page.getByText('I am 18 or older').click();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Calls' }).waitFor();
    expect(await stack.services.db('users').where({ email }).first('age_confirmed_minimum')).toEqual({ age_confirmed_minimum: 18 });
    await page.getByText('No calls yet.').waitFor();
    await accessible(page);
    await screenshots(page, 'calls-empty');

    // A call to the new organization's number, while the list is open.
    const orgId = (await stack.services.db('users').join('memberships', 'memberships.user_id', 'users.id').where('users.email', email).first('memberships.org_id')).org_id as string;
    const number = randomPhone();
    await stack.services.db('phone_numbers').insert({ id: `pn_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`.slice(0, 29), org_id: orgId, e164: number });
    const call = stack.call({ to: number, from: '+14155550177' });
    await call.dial();
    await call.say('Hello, do you open on Saturdays?');
    await page.getByRole('cell', { name: '+14155550177' }).waitFor({ timeout: 15_000 });
    await call.status('completed', 30);
    await page.getByRole('link', { name: /\d/ }).first().click();
    await page.getByRole('heading', { name: 'Call from +14155550177' }).waitFor();
    await page.getByRole('list', { name: 'Transcript' }).getByText('do you open on Saturdays?').waitFor();
    // Its recording plays on the page: the API streams it from Twilio with the account's credentials.
    const { id: callId } = await stack.services.db('calls').where({ org_id: orgId }).first('id');
    const recordingSid = `RE${Date.now().toString(16).padStart(32, '0').slice(-32)}`;
    await stack.services.db('recordings').insert({ id: newId('rec'), org_id: orgId, call_id: callId, recording_sid: recordingSid, status: 'completed', duration_seconds: 30 });
    const audio = page.getByLabel('Recording of the call, 30 seconds');
    await audio.waitFor({ state: 'attached' });
    const played = await page.request.get((await audio.getAttribute('src'))!);
    expect([played.status(), played.headers()['content-type'], (await played.body()).toString()]).toEqual([200, 'audio/mpeg', `ID3${recordingSid}`]);
    await accessible(page);
    await screenshots(page, 'call-detail');

    // The list narrowed by number, then by one no call came from.
    await page.getByRole('link', { name: 'All calls' }).click();
    await page.getByLabel('Number').fill('(415) 555-0177');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/number=/);
    await page.getByRole('cell', { name: '+14155550177' }).waitFor();
    await page.getByLabel('Number').fill('+1 617 555 0100');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No call matches these filters.').waitFor();
    await accessible(page);
    await screenshots(page, 'calls-filtered');
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('cell', { name: '+14155550177' }).waitFor();

    // The receptionist's greeting and a new question, changed here, are what the next caller gets.
    await page.getByRole('link', { name: 'Receptionist' }).click();
    await page.getByLabel('Greeting (the first thing a caller hears)').fill('Console Dental, this is the front desk. How may I help?');
    await page.getByRole('button', { name: 'Add a question' }).click();
    await page.getByLabel('Question 1').fill('Do you open on Saturdays?');
    await page.getByLabel('Answer 1').fill('Yes, from nine to one.');
    await accessible(page);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved').waitFor();
    await screenshots(page, 'receptionist-settings');
    // "Try it": a text conversation with the receptionist through the engine, listed as a trial, never billed.
    await page.getByRole('button', { name: 'Start a trial call' }).click();
    const trial = page.getByRole('list', { name: 'Trial conversation' });
    await trial.getByText('Console Dental, this is the front desk. How may I help?').waitFor();
    await page.getByLabel('You say').fill('Do you open on Saturdays?');
    await page.getByRole('button', { name: 'Send' }).click();
    await trial.getByRole('listitem').nth(2).waitFor(); // the greeting, the question, the reply
    expect(await trial.getByRole('listitem').nth(2).getByText('Receptionist').count()).toBe(1);
    await accessible(page);
    await screenshots(page, 'receptionist-try-it');
    await page.getByRole('button', { name: 'Hang up' }).click();
    await page.getByRole('status').getByText('The call has ended.').waitFor();
    const trialCall = async () => stack.services.db('calls').where({ org_id: orgId, trial: true }).first('call_sid', 'status', 'billable_seconds', 'from_e164_ciphertext');
    for (let i = 0; i < 100 && (await trialCall())?.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await trialCall()).toMatchObject({ status: 'completed', billable_seconds: 0 });
    expect(await openPhone(stack.services.fields, orgId, CALL_FROM_CONTEXT, await trialCall())).toBe('+15005550006');
    expect(await stack.services.db('usage_records').where({ call_sid: (await trialCall()).call_sid })).toEqual([]);
    await page.getByRole('link', { name: 'Calls' }).click();
    await page.getByRole('cell', { name: 'completed (trial)' }).waitFor();

    const next = stack.call({ to: number, from: '+14155550178' });
    expect(await next.dial()).toContain('Console Dental, this is the front desk. How may I help?');
    const organization = await stack.services.db('organizations').where({ id: orgId }).first('faq');
    expect(organization.faq).toEqual([{ question: 'Do you open on Saturdays?', answer: 'Yes, from nine to one.' }]);
    await next.status('completed', 5);
  } finally {
    await context.close();
  }
}, 90_000);

/** A new organization's owner, signed up through the API; the session cookie is sent by hand (see below). */
async function ownerThroughApi(organization: { name: string; timeZone: string; product?: 'receptionist' | 'coach' }) {
  const email = uniqueEmail('console-owner');
  const signup = await request(stack.http.url).post('/api/v1/auth/signup').send({ ageConfirmed: true, email, password: PASSWORD, name: 'Owner', organization });
  expect(signup.status).toBe(201);
  // The session cookie is Secure (PUBLIC_BASE_URL is https), which Chromium keeps on 127.0.0.1 and supertest does not.
  const cookie = (signup.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
  const as = (r: request.Test) => r.set('Cookie', cookie).set('X-CSRF-Token', signup.body.csrfToken as string);
  return { email, orgId: signup.body.organization.id as string, as };
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Past `/` too, which sends the person to their home page once it knows the product: a click before then could be undone.
  await page.waitForURL((url) => url.pathname !== '/' && !url.pathname.startsWith('/signin'));
}

test('an owner adds a service and opening hours, books by hand into the week calendar, is refused a slot taken meanwhile, moves and cancels', async () => {
  const timeZone = 'America/New_York';
  const owner = await ownerThroughApi({ name: 'Console Salon', timeZone });
  const context = await chromiumBrowser.newContext({ baseURL: stack.http.url });
  const page = await context.newPage();
  try {
    await signIn(page, owner.email);
    await page.getByRole('link', { name: 'Appointments' }).click();
    await page.getByText('There is no service to book yet').waitFor();
    await accessible(page);
    await page.getByRole('link', { name: 'add one' }).click();

    // Services and hours, as an owner sets them up.
    await page.getByRole('heading', { name: 'Services, hours and calendar' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Haircut');
    await page.getByLabel('Minutes').fill('30');
    await page.getByRole('button', { name: 'Add service' }).click();
    await page.getByRole('status').getByText('Haircut can be booked.').waitFor();
    for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']) await page.getByLabel(day, { exact: true }).fill('08:00-12:00, 13:00-20:00');
    await page.getByLabel('Sunday', { exact: true }).fill('08:00-25:00');
    await page.getByRole('button', { name: 'Save hours' }).click();
    await page.getByRole('alert').getByText(/HH:MM/).waitFor(); // the API's own words, for the one bad day
    await page.getByLabel('Sunday', { exact: true }).fill('08:00-12:00, 13:00-20:00');
    await page.getByRole('button', { name: 'Save hours' }).click();
    await page.getByRole('status').getByText('Opening hours saved.').waitFor();
    expect((await stack.services.db('organizations').where({ id: owner.orgId }).first('business_hours')).business_hours.sun).toEqual([
      { open: '08:00', close: '12:00' },
      { open: '13:00', close: '20:00' },
    ]);
    await accessible(page);
    await screenshots(page, 'booking-settings');

    // Book by hand the day after tomorrow (the business's date), with a caller taking the chosen slot meanwhile.
    const dayAfter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() + 2 * 86_400_000));
    await page.getByRole('link', { name: 'Appointments' }).click();
    await page.getByRole('heading', { name: 'Book by hand' }).waitFor();
    await page.getByLabel('Day', { exact: true }).fill(dayAfter);
    await page.getByLabel('Time', { exact: true }).selectOption({ index: 2 });
    const chosen = await page.getByLabel('Time', { exact: true }).inputValue();
    await page.getByLabel('Customer’s name').fill('Rosa Diaz');
    await page.getByLabel('Customer’s phone').fill('+1 415 555 0142');
    const serviceId = (await stack.services.db('services').where({ org_id: owner.orgId }).first('id')).id as string;
    const caller = await owner.as(request(stack.http.url).post('/api/v1/appointments')).send({ serviceId, start: chosen, customerName: 'Early Bird', customerPhone: '+14155550143' });
    expect(caller.status).toBe(201);
    await page.getByRole('button', { name: 'Book', exact: true }).click();
    await page.getByRole('alert').getByText('That time has just been taken').waitFor();
    expect(await stack.services.db('appointments').where({ org_id: owner.orgId, status: 'confirmed' }).count({ n: '*' }).first()).toEqual({ n: '1' });
    // The free times were read again: the taken one is no longer offered.
    await page.getByLabel('Time', { exact: true }).locator(`option[value="${chosen}"]`).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Book', exact: true }).click();
    await page.getByRole('status').getByText('Booked').waitFor();
    const rosa = page.getByRole('listitem').filter({ hasText: 'Rosa Diaz' });
    await rosa.waitFor();
    await page.getByRole('listitem').filter({ hasText: 'Early Bird' }).waitFor();
    await accessible(page);
    await screenshots(page, 'appointments');

    // Moved to the last time offered that day, then cancelled.
    const before = (await stack.services.db('appointments').where({ org_id: owner.orgId, source: 'api' }).whereNot({ customer_e164_index: await phoneIndex(stack.services.fields, owner.orgId, '+14155550143') }).first('id', 'starts_at'));
    await rosa.getByRole('button', { name: /^Move Rosa Diaz/ }).click();
    await page.getByRole('heading', { name: 'Move Rosa Diaz' }).waitFor();
    await page.getByLabel('Day', { exact: true }).fill(dayAfter);
    const last = await page.getByLabel('Time', { exact: true }).locator('option').last().getAttribute('value');
    await page.getByLabel('Time', { exact: true }).selectOption(last!);
    await page.getByRole('button', { name: 'Move', exact: true }).click();
    await page.getByRole('status').getByText('Moved').waitFor();
    expect((await stack.services.db('appointments').where({ id: before.id }).first('starts_at')).starts_at.toISOString()).toBe(new Date(last!).toISOString());
    await page.getByRole('listitem').filter({ hasText: 'Rosa Diaz' }).getByRole('button', { name: /^Cancel Rosa Diaz/ }).click();
    await page.getByRole('status').getByText('Cancelled').waitFor();
    await page.getByRole('listitem').filter({ hasText: 'Rosa Diaz' }).getByText('cancelled').waitFor();
    expect((await stack.services.db('appointments').where({ id: before.id }).first('status')).status).toBe('cancelled');
  } finally {
    await context.close();
  }
}, 120_000);

/** A Stripe event as Stripe signs it for our webhook endpoint. */
function stripeEvent(type: string, object: Record<string, unknown>) {
  const payload = JSON.stringify({ id: `evt_console_${Date.now()}_${Math.random().toString(36).slice(2)}`, object: 'event', type, api_version: '2026-10-28', created: Math.floor(Date.now() / 1000), data: { object } });
  return request(stack.http.url).post('/stripe/webhook').set('Content-Type', 'application/json').set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET })).send(payload);
}

test('an owner sees the plan and this period’s usage chart, and adds a payment method through Stripe Checkout in setup mode', async () => {
  const owner = await ownerThroughApi({ name: 'Console Plumbing', timeZone: 'Europe/London' });
  const context = await chromiumBrowser.newContext({ baseURL: stack.http.url });
  const page = await context.newPage();
  try {
    await signIn(page, owner.email);
    await page.getByRole('link', { name: 'Billing' }).click();
    await page.getByRole('heading', { name: 'Billing', exact: true }).waitFor();
    await page.getByText('none yet').waitFor();
    await page.getByRole('img', { name: 'Minutes and calls per day' }).locator('svg').waitFor(); // loaded after the period it covers
    await page.getByText('No closed period yet').waitFor();
    await accessible(page);
    await screenshots(page, 'billing');

    let checkout = '';
    await page.route('https://checkout.stripe.com/**', (route) => {
      checkout = route.request().url();
      return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Checkout</title><p>Stripe Checkout</p>' });
    });
    await page.getByRole('button', { name: 'Add a payment method' }).click();
    await page.getByText('Stripe Checkout').waitFor();
    expect(checkout).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    expect(await stack.services.db('audit_log').where({ org_id: owner.orgId, action: 'billing.payment_method_setup_started' }).count({ n: '*' }).first()).toEqual({ n: '1' });

    // Stripe confirms the setup intent; one for another customer (forged metadata) changes nothing.
    const { stripe_customer_id: customer } = await stack.services.db('organizations').where({ id: owner.orgId }).first('stripe_customer_id');
    expect(customer).toMatch(/^cus_/);
    const intent = { object: 'setup_intent', status: 'succeeded', payment_method: 'pm_card_visa', metadata: { org_id: owner.orgId, kind: 'payment_method', started_by: '' } };
    expect((await stripeEvent('setup_intent.succeeded', { ...intent, id: 'seti_console_foreign', customer: 'cus_someone_else' })).body).toMatchObject({ outcome: 'not our customer' });
    expect((await stripeEvent('setup_intent.succeeded', { ...intent, id: 'seti_console_1', customer })).body).toMatchObject({ outcome: 'payment method saved' });
    await page.goto('/billing?payment-method=done');
    await page.getByRole('status').getByText('Thank you').waitFor();
    await page.getByRole('definition').filter({ hasText: /Visa •••• 4242, expires \d+\/\d{4}/ }).waitFor();
    await page.getByRole('button', { name: 'Replace the card' }).waitFor();
    await accessible(page);
    await screenshots(page, 'billing-card');
  } finally {
    await context.close();
  }
}, 90_000);

test('product analytics are off until the person allows them: only essential cookies, nothing counted or accepted; then route patterns are counted; saying no deletes them', async () => {
  const owner = await ownerThroughApi({ name: 'Console Analytics', timeZone: 'UTC' });
  const userId = (await stack.services.db('users').where({ email: owner.email }).first('id')).id as string;
  const counted = async () => (await stack.services.db('product_analytics').where({ user_id: userId }).orderBy('name').select('kind', 'name', 'count')) as Array<{ kind: string; name: string; count: number }>;
  const context = await chromiumBrowser.newContext({ baseURL: stack.http.url });
  const page = await context.newPage();
  try {
    await signIn(page, owner.email);
    const banner = page.getByRole('complementary', { name: 'Help us improve Callgenly?' });
    await banner.waitFor();
    await accessible(page);
    await screenshots(page, 'analytics-banner');
    await page.getByRole('link', { name: 'Appointments' }).click();
    await page.getByRole('link', { name: 'Calls' }).click();
    await page.getByRole('heading', { name: 'Calls' }).waitFor();
    expect((await context.cookies()).map((c) => c.name).sort()).toEqual(['cg_csrf', 'cg_session']);
    expect(await page.evaluate('[localStorage.length, sessionStorage.length]')).toEqual([0, 0]);
    expect(await counted()).toEqual([]);
    // The API refuses counts from someone who has not said yes, whatever a client sends.
    const refused = await owner.as(request(stack.http.url).post('/api/v1/me/analytics/events')).send({ events: [{ kind: 'page', name: '/calls' }] });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('analytics_not_allowed');
    expect(await counted()).toEqual([]);

    await banner.getByRole('button', { name: 'Allow analytics' }).click();
    await banner.waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Appointments' }).click();
    await page.getByRole('heading', { name: 'Appointments' }).waitFor();
    await page.getByRole('link', { name: 'Calls' }).click();
    await page.getByRole('heading', { name: 'Calls' }).waitFor();
    for (let i = 0; i < 50 && (await counted()).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    const rows = await counted();
    expect(rows.map((r) => r.name)).toEqual(['/appointments', '/calls']);
    expect(rows.find((r) => r.name === '/calls')!.count).toBeGreaterThanOrEqual(1);
    expect(rows.every((r) => r.kind === 'page')).toBe(true);

    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Stop analytics and delete the counts' }).click();
    await page.getByText('You do not allow analytics').waitFor();
    expect(await counted()).toEqual([]);
    await accessible(page);
    await screenshots(page, 'account');
    await page.getByRole('link', { name: 'Calls' }).click();
    await page.getByRole('heading', { name: 'Calls' }).waitFor();
    await new Promise((r) => setTimeout(r, 500));
    expect(await counted()).toEqual([]);
    expect(await stack.services.db('audit_log').where({ org_id: owner.orgId, action: 'analytics.consent_changed' }).count({ n: '*' }).first()).toEqual({ n: '2' });
  } finally {
    await context.close();
  }
}, 90_000);

test("a HIPAA call's workflow opens from the console in the Temporal UI, its payloads decoded for the signed-in admin and sealed for anyone else", async () => {
  const owner = await ownerThroughApi({ name: 'Console Private Clinic', timeZone: 'UTC' });
  const greeting = 'Private Clinic front desk, how may I help you today?';
  const { current } = (await owner.as(request(stack.http.url).get('/api/v1/organization'))).body.businessAssociateAgreement;
  expect((await owner.as(request(stack.http.url).post('/api/v1/organization/baa')).send({ version: current })).status).toBe(200);
  expect((await owner.as(request(stack.http.url).patch('/api/v1/organization')).send({ hipaaMode: true, greeting })).status).toBe(200);
  const number = randomPhone();
  await stack.services.db('phone_numbers').insert({ id: `pn_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`.slice(0, 29), org_id: owner.orgId, e164: number });
  const call = stack.call({ to: number, from: '+14155550199' });
  expect(await call.dial()).toContain(greeting);
  await call.say('Hello, I would like to ask about a filling.');
  await call.status('completed', 20);
  const { call_sid: callSid } = await stack.services.db('calls').where({ org_id: owner.orgId }).first('call_sid');
  // Temporal's own copy holds only ciphertext.
  const history = JSON.stringify(await stack.services.temporal.workflow.getHandle(`call:${callSid}`).fetchHistory());
  expect(history).not.toContain('Private Clinic front desk');

  const context = await chromiumBrowser.newContext({ baseURL: stack.http.url });
  const page = await context.newPage();
  try {
    await signIn(page, owner.email);
    await page.getByRole('link', { name: /\d/ }).first().click();
    const link = page.getByRole('link', { name: 'Its workflow in the Temporal UI' });
    const href = (await link.getAttribute('href'))!;
    expect(href).toBe(`${temporalUiUrl}/namespaces/${stack.services.config.temporal.namespace}/workflows/${encodeURIComponent(`call:${callSid}`)}`);
    // The admin's browser opens it: the UI sends their session to the codec server, and shows it decoded.
    await page.goto(href);
    await page.getByText(`call:${callSid}`).first().waitFor();
    await page.getByText('Private Clinic front desk').first().waitFor();
    expect(await page.getByText('Codec Server could not connect').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'temporal-ui-hipaa-call-desktop.png') });
    expect(await stack.services.db('audit_log').where({ org_id: owner.orgId, action: 'temporal.payloads_decoded' }).count({ n: '*' }).first()).not.toEqual({ n: '0' });
  } finally {
    await context.close();
  }
  // Someone not signed in to Callgenly sees the same workflow still sealed.
  const stranger = await chromiumBrowser.newContext();
  const other = await stranger.newPage();
  try {
    await other.goto(`${temporalUiUrl}/namespaces/${stack.services.config.temporal.namespace}/workflows/${encodeURIComponent(`call:${callSid}`)}`);
    await other.getByText(`call:${callSid}`).first().waitFor();
    await other.getByText('encryption-key-id').first().waitFor();
    await other.locator('#content').getByText('Codec Server could not connect').waitFor(); // our codec server refused: no session
    expect(await other.getByText('Private Clinic front desk').count()).toBe(0);
  } finally {
    await stranger.close();
  }
}, 120_000);

test('an owner invites a colleague who joins through the emailed link, creates an API key shown once, and revokes it', async () => {
  const owner = await ownerThroughApi({ name: 'Console Team Clinic', timeZone: 'UTC' });
  const context = await chromiumBrowser.newContext({ baseURL: stack.http.url });
  const page = await context.newPage();
  const colleague = uniqueEmail('console-colleague');
  try {
    await signIn(page, owner.email);
    await page.getByRole('link', { name: 'Team' }).click();
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await page.getByRole('cell', { name: owner.email }).waitFor();
    await page.getByLabel('Email', { exact: true }).fill(colleague);
    await page.getByLabel('Role', { exact: true }).selectOption('admin');
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.getByRole('status').getByText(`Invitation sent to ${colleague}.`).waitFor();
    const link = (await page.locator('code').first().textContent())!;
    expect(link).toMatch(/\/invitations\/accept\?token=/);
    // The same link is emailed to them.
    expect(await stack.services.db('notifications').where({ org_id: owner.orgId, kind: 'accounts.invitation' }).select('channel', 'recipient')).toEqual([{ channel: 'email', recipient: colleague }]);

    // The colleague opens the link in their own browser, chooses a name and password, and is in.
    const theirs = await chromiumBrowser.newContext({ baseURL: stack.http.url });
    const them = await theirs.newPage();
    await them.goto(new URL(link).pathname + new URL(link).search);
    await them.getByRole('heading', { name: 'Join your team on Callgenly' }).waitFor();
    await accessible(them);
    await screenshots(them, 'accept-invitation');
    await them.getByLabel('Your name (new accounts)').fill('Casey Kim');
    await them.getByLabel('Password').fill(PASSWORD);
    await them.getByText('I am 18 or older, and at least the age this organization asks').click();
    await them.getByRole('button', { name: 'Join' }).click();
    await them.getByRole('heading', { name: 'Calls' }).waitFor();
    await them.getByText('Casey Kim · Console Team Clinic').waitFor();
    await theirs.close();
    await page.reload();
    await page.getByRole('cell', { name: colleague }).waitFor();
    expect(await page.getByLabel('Role of Casey Kim').inputValue()).toBe('admin');

    // An API key: its secret once, then only its prefix; revoked, it stops working.
    await page.getByLabel('Name (what uses it)').fill('Zapier');
    await page.getByRole('button', { name: 'Create a key' }).click();
    const secret = (await page.locator('code.secret').textContent())!;
    expect((await request(stack.http.url).get('/api/v1/calls').set('Authorization', `Bearer ${secret}`)).status).toBe(200);
    await accessible(page);
    await screenshots(page, 'team');
    await page.reload();
    await page.getByText(/Zapier \(/).waitFor();
    expect(await page.getByText(secret).count()).toBe(0);
    await page.getByRole('button', { name: 'Revoke the key Zapier' }).click();
    await page.getByRole('status').getByText('The key Zapier no longer works.').waitFor();
    expect((await request(stack.http.url).get('/api/v1/calls').set('Authorization', `Bearer ${secret}`)).status).toBe(401);
  } finally {
    await context.close();
  }
}, 90_000);

test('an owner sets retention, places and lifts legal holds (audited, with the reason), restricts a caller and reads their call for a legal claim, asks for an export, reads the audit log, and requests then cancels deletion', async () => {
  const owner = await ownerThroughApi({ name: 'Console Privacy Clinic', timeZone: 'UTC' });
  const number = randomPhone();
  await stack.services.db('phone_numbers').insert({ id: `pn_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`.slice(0, 29), org_id: owner.orgId, e164: number });
  const call = stack.call({ to: number, from: '+14155550155' });
  await call.dial();
  await call.status('completed', 10);
  const context = await chromiumBrowser.newContext({ baseURL: stack.http.url });
  const page = await context.newPage();
  try {
    await signIn(page, owner.email);
    // A legal hold on one call, from its page.
    await page.getByRole('link', { name: /\d/ }).first().click();
    await page.getByLabel('Keep this call past retention because').fill('Insurance claim 42');
    await page.getByRole('button', { name: 'Place a legal hold' }).click();
    await page.getByText('This call is under legal hold').waitFor();

    await page.getByRole('link', { name: 'Privacy' }).click();
    await page.getByRole('heading', { name: 'Privacy', exact: true }).waitFor();
    await page.getByRole('list', { name: 'Calls under legal hold' }).getByText('Insurance claim 42').waitFor();
    await page.getByLabel('Calls, transcripts and messages (days)').fill('45');
    await page.getByRole('button', { name: 'Save retention' }).click();
    await page.getByRole('status').getByText('Retention saved').waitFor();
    expect((await stack.services.db('organizations').where({ id: owner.orgId }).first('retention_days')).retention_days).toBe(45);
    await page.getByLabel('Reason for a hold on everything').fill('Litigation hold from counsel');
    await page.getByRole('button', { name: 'Place a legal hold' }).click();
    await page.getByText('The whole organization is under legal hold').waitFor();
    await page.getByRole('button', { name: 'Lift the hold', exact: true }).click();
    await page.getByRole('button', { name: 'Place a legal hold' }).waitFor();
    await page.getByRole('button', { name: 'Lift the hold on the call from +14155550155' }).click();
    await page.getByText('No call is under hold').waitFor();
    const holds = await stack.services.db('audit_log').where({ org_id: owner.orgId }).whereIn('action', ['legal_hold.placed', 'legal_hold.lifted']).orderBy('id').select('action', 'target_type', 'metadata');
    expect(holds.map((h) => [h.action, h.target_type, h.metadata.reason])).toEqual([
      ['legal_hold.placed', 'call', 'Insurance claim 42'],
      ['legal_hold.placed', 'organization', 'Litigation hold from counsel'],
      ['legal_hold.lifted', 'organization', null],
      ['legal_hold.lifted', 'call', null],
    ]);

    // A caller's restriction: their call is then read only for a legal claim, said so and audited; then lifted.
    await page.getByLabel('Kind').selectOption('restriction');
    await page.getByLabel(/caller.s number/).fill('+14155550155');
    await page.getByLabel('Reason', { exact: true }).fill('Caller disputes a charge');
    await page.getByRole('button', { name: 'Record it' }).click();
    await page.getByRole('list', { name: 'Restrictions and objections' }).getByText(/Caller \+14155550155: restriction/).waitFor();
    await page.getByRole('link', { name: 'Calls' }).click();
    await page.getByRole('link', { name: /\d/ }).first().click();
    await page.getByRole('button', { name: 'Read it for a legal claim (audited)' }).click();
    await page.getByRole('heading', { name: 'Call from +14155550155' }).waitFor();
    expect(await stack.services.db('audit_log').where({ org_id: owner.orgId, action: 'call.read_for_legal_claim' }).count({ n: '*' }).first()).toEqual({ n: '1' });
    await page.getByRole('link', { name: 'Privacy' }).click();
    await page.getByRole('button', { name: 'Lift the restriction of Caller +14155550155' }).click();
    await page.getByLabel('Why it is lifted').fill('Dispute settled');
    await page.getByRole('button', { name: 'Lift', exact: true }).click();
    await page.getByRole('list', { name: 'Restrictions and objections' }).getByText(/Lifted .*: Dispute settled/).waitFor();

    // HIPAA mode: the Business Associate Agreement first, then the switch.
    await page.getByRole('button', { name: 'Accept the agreement' }).click();
    await page.getByRole('status').getByText('Business Associate Agreement accepted').waitFor();
    await page.getByRole('button', { name: 'Turn HIPAA mode on' }).click();
    await page.getByRole('button', { name: 'Turn HIPAA mode off' }).waitFor();
    expect((await stack.services.db('organizations').where({ id: owner.orgId }).first('hipaa_mode', 'baa_version')).hipaa_mode).toBe(true);
    await page.getByRole('button', { name: 'Export my data' }).click();
    await page.getByRole('list', { name: 'Requests made here' }).getByText(/Export \(user\): ready/).waitFor({ timeout: 30_000 });
    await page.reload();
    await page.getByRole('cell', { name: 'legal_hold.placed' }).first().waitFor();
    await accessible(page);
    await screenshots(page, 'privacy');

    // Deletion: the password again, then cancelled in its grace period.
    await page.getByLabel('Your password, to confirm').fill(PASSWORD);
    await page.getByRole('button', { name: 'Delete the organization' }).click();
    await page.getByText(/Erasure begins .* unless you cancel/).waitFor();
    await page.getByRole('button', { name: 'Cancel the deletion' }).click();
    await page.getByLabel('Your password, to confirm').waitFor();
    expect(await stack.services.db('audit_log').where({ org_id: owner.orgId }).whereIn('action', ['organization.deletion_requested', 'organization.deletion_cancelled']).count({ n: '*' }).first()).toEqual({ n: '2' });
  } finally {
    await context.close();
  }
}, 120_000);

test('a wrong password is said plainly; a learner signs in, sees their progress with its charts, makes a plan, pauses it, reads a call’s feedback and contests it, tops up', async () => {
  // A coaching school and its learner, through the API.
  const ownerEmail = uniqueEmail('console-coach');
  const signup = await request(stack.http.url).post('/api/v1/auth/signup').send({ ageConfirmed: true, email: ownerEmail, password: PASSWORD, name: 'Selin', organization: { name: 'Console English', timeZone: 'Europe/Istanbul', product: 'coach' } });
  expect(signup.status).toBe(201);
  // The session cookie is Secure (PUBLIC_BASE_URL is https), which Chromium keeps on 127.0.0.1 and supertest does not: sent by hand.
  const cookie = (signup.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
  const topic = await request(stack.http.url).post('/api/v1/topics').set('Cookie', cookie).set('X-CSRF-Token', signup.body.csrfToken).send({ title: 'Job interviews', minLevel: 'B1', maxLevel: 'C1', prompts: ['Tell me about your last job.'], targetWords: ['deadline'] });
  expect(topic.status).toBe(201);
  const orgId = signup.body.organization.id as string;
  const consent = await request(stack.http.url).get(`/api/v1/coaching/organizations/${orgId}/consent-text`);
  const learnerEmail = uniqueEmail('console-learner');
  const learner = await request(stack.http.url)
    .post('/api/v1/coaching/signup')
    .send({ ageConfirmed: true, organizationId: orgId, email: learnerEmail, password: PASSWORD, name: 'Deniz Kaya', phone: randomPhone(), timeZone: 'Europe/Istanbul', nativeLanguage: 'Turkish', goals: 'Interviews', level: 'B1', consent: { agreed: true, version: consent.body.version } });
  expect(learner.status).toBe(201);

  const context = await chromiumBrowser.newContext({ baseURL: stack.http.url });
  const page = await context.newPage();
  try {
    await page.goto('/signin');
    await page.getByLabel('Email').fill(learnerEmail);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('The email or password is wrong').waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Your progress' }).waitFor();
    await page.waitForURL(/\/learn\/progress$/);
    await page.getByText('not estimated yet').waitFor();
    expect(await page.getByRole('img', { name: 'Scores per call' }).locator('svg').count()).toBe(1);
    expect(await page.getByRole('img', { name: 'Estimated level over time' }).locator('svg').count()).toBe(1);
    await accessible(page);
    await screenshots(page, 'learner-progress');

    // A plan of their own: Monday, Wednesday and Friday are the default days; the school's topic is chosen.
    await page.getByRole('link', { name: 'Plans' }).click();
    await page.getByText('No plan yet').waitFor();
    await page.getByLabel('Time (yours)').fill('19:15');
    await page.getByLabel('Minutes per call').selectOption('20');
    await accessible(page);
    await page.getByRole('button', { name: 'Create plan' }).click();
    await page.getByRole('status').getByText('Your plan is set').waitFor();
    await page.getByText('Mon, Wed, Fri at 19:15').waitFor();
    expect(await page.getByText('Topics: Job interviews').count()).toBe(1);
    await screenshots(page, 'learner-plans');
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await page.getByRole('link', { name: 'Calls' }).click();
    await page.getByText('No calls yet').waitFor();

    // A held call with its analysis (the analysis itself is tested in test/coaching): its feedback, each
    // score or why it is not measured, the quoted mistake; then the learner contests the scores.
    const userId = (await stack.services.db('users').where({ email: learnerEmail }).first('id')).id as string;
    const planId = (await stack.services.db('coach_plans').where({ user_id: userId }).first('id')).id as string;
    const practiceCallId = newId('pcl');
    await stack.services.db('practice_calls').insert({ id: practiceCallId, org_id: orgId, workflow_id: `practice-call:${planId}-seeded`, plan_id: planId, user_id: userId, engine: 'vapi', trigger: 'now', status: 'completed', scheduled_for: new Date(), started_at: new Date(), ended_at: new Date(), duration_seconds: 300, billed_minutes: 5, cost_minor: 100 });
    const notMeasured = { measured: false, reason: 'pronunciation is judged only from audio by a pronunciation-assessment service, and none is configured' };
    const result = {
      learnerWords: 120,
      scored: true,
      feedback: { summary: 'You told a clear story about your interview.', strengths: ['Clear sequence'], toPractise: ['Past simple'] },
      grammar: { measured: true, score: 71, errorsPerClause: 0.14, clauses: 14, mistakes: [{ quote: 'Yesterday I go to the interview', correction: 'Yesterday I went to the interview', rule: 'Finished past events take the past simple.' }], explanation: '2 mistake(s) in 14 clause(s).' },
      vocabulary: { measured: true, score: 79, lexicalDiversity: 0.79, newWords: ['patiently'], misused: [], explanation: '79% different words in any 50.', cefrProfile: { measured: false, reason: 'no openly licensed CEFR word list is installed yet' } },
      fluency: { measured: true, wordsPerMinute: 128, meanRunWords: 18, meanResponsePauseSeconds: 1, score: 91, explanation: '128 words a minute.' },
      pronunciation: notMeasured,
      cefr: { measured: true, band: 'B1', evidence: ['I am looking for new challenges'], explanation: 'Connected narrative.', estimate: 'practice estimate for this conversation, not a certified level' },
    };
    await stack.services.db('practice_analyses').insert({ org_id: orgId, practice_call_id: practiceCallId, status: 'completed', model: 'claude-test', prompt_version: 'coach-assessment-test', learner_words: 120, grammar_score: 71, vocabulary_score: 79, fluency_score: 91, cefr_band: 'B1', result_ciphertext: await stack.services.fields.encrypt(orgId, PRACTICE_ANALYSIS_CONTEXT, JSON.stringify(result)), analysed_at: new Date() });
    await page.getByRole('link', { name: /\d/ }).first().click();
    await page.getByText('You told a clear story about your interview.').waitFor();
    await page.getByText('“Yesterday I go to the interview”').waitFor();
    expect(await page.getByText('not measured').count()).toBe(1);
    await accessible(page);
    await screenshots(page, 'learner-call');
    await page.getByLabel('Why (a person will read it)').fill('I used the past tense correctly there.');
    await page.getByRole('button', { name: 'Contest the scores' }).click();
    await page.getByRole('status').getByText('Contested').waitFor();
    expect((await stack.services.db('practice_analyses').where({ practice_call_id: practiceCallId }).first('contested_at')).contested_at).not.toBeNull();

    // A top-up: Stripe Checkout (stripe-mock's session; its page stood in for here), Stripe's signed webhook, the balance.
    await page.getByRole('link', { name: 'Balance' }).click();
    await page.getByText('Nothing yet.').waitFor();
    await accessible(page);
    let checkout = '';
    await page.route('https://checkout.stripe.com/**', (route) => {
      checkout = route.request().url();
      return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Checkout</title><p>Stripe Checkout</p>' });
    });
    await page.getByRole('button', { name: /Top up .*20\.00/ }).click();
    await page.getByText('Stripe Checkout').waitFor();
    expect(checkout).toMatch(/^https:\/\/checkout\.stripe\.com\//);
    const session = { object: 'checkout.session', id: `cs_test_console_${Date.now()}`, payment_status: 'paid', payment_intent: `pi_test_console_${Date.now()}`, amount_total: 2000, currency: 'usd', metadata: { org_id: orgId, kind: 'learner_top_up', user_id: userId } };
    const payload = JSON.stringify({ id: `evt_console_${Date.now()}`, object: 'event', type: 'checkout.session.completed', api_version: '2026-10-28', created: Math.floor(Date.now() / 1000), data: { object: session } });
    const delivered = await request(stack.http.url).post('/stripe/webhook').set('Content-Type', 'application/json').set('Stripe-Signature', Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET })).send(payload);
    expect(delivered.body).toMatchObject({ outcome: 'credited' });
    await page.goto('/learn/balance?top-up=done');
    await page.getByRole('status').getByText('Thank you').waitFor();
    // The balance and the history load separately: wait for each (one arriving first failed CI's count).
    await page.getByRole('definition').filter({ hasText: '20.00' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'Top-up' }).getByRole('cell', { name: /20\.00/ }).waitFor();
    await accessible(page);
    await screenshots(page, 'learner-balance');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin$/);

    // The school's staff: the cohort, and a learner's progress with the same charts.
    await page.getByLabel('Email').fill(ownerEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/learners$/);
    await page.getByRole('cell', { name: 'not estimated yet' }).waitFor();
    await accessible(page);
    await screenshots(page, 'staff-learners');
    await page.getByRole('link', { name: 'Deniz Kaya' }).click();
    await page.getByRole('heading', { name: 'Deniz Kaya: progress' }).waitFor();
    expect(await page.getByRole('img', { name: 'Scores per call' }).locator('svg').count()).toBe(1);
    await page.getByRole('list', { name: 'Call plans' }).getByText(/paused · Job interviews/).waitFor(); // the plan the learner made and paused
    await accessible(page);
    await screenshots(page, 'staff-learner-progress');
  } finally {
    await context.close();
  }
}, 90_000);

test('a privacy policy changed since the person joined is shown once, until they say they have seen it; someone who joined after is not asked', async () => {
  const before = await ownerThroughApi({ name: 'Console Policy Clinic', timeZone: 'UTC' });
  const policyId = `policy:policy-notice:test-${Date.now()}`;
  // As `npm run notify:policy` records it (test/notifications/policyNotice.test.ts runs that path).
  await stack.services.db('policy_versions').insert({ id: policyId, title: 'Privacy policy update', url: 'https://callgenly.test/privacy', summary: 'Recordings are now kept 30 days.', effective_at: new Date('2027-01-01T00:00:00Z') });
  const context = await chromiumBrowser.newContext({ baseURL: stack.http.url });
  const page = await context.newPage();
  try {
    await signIn(page, before.email);
    const banner = page.getByRole('complementary', { name: 'Privacy policy update' });
    await banner.getByText('Recordings are now kept 30 days.').waitFor();
    expect(await banner.getByRole('link', { name: 'Read the policy' }).getAttribute('href')).toBe('https://callgenly.test/privacy');
    await accessible(page);
    await screenshots(page, 'policy-banner');
    await banner.getByRole('button', { name: 'Got it' }).click();
    await banner.waitFor({ state: 'detached' });
    await page.reload();
    await page.getByRole('heading', { name: 'Calls' }).waitFor();
    expect(await page.getByRole('complementary', { name: 'Privacy policy update' }).count()).toBe(0);
    const after = await ownerThroughApi({ name: 'Console Later Clinic', timeZone: 'UTC' });
    expect((await after.as(request(stack.http.url).get('/api/v1/me/policy'))).body).toMatchObject({ policy: { id: policyId }, changedSinceSeen: false, seenAt: null });
    expect((await before.as(request(stack.http.url).get('/api/v1/me/policy'))).body).toMatchObject({ changedSinceSeen: false, seenAt: expect.any(String) });
    expect((await before.as(request(stack.http.url).post('/api/v1/me/policy/seen')).send({ policyId: 'policy:nothing' })).status).toBe(404);
  } finally {
    await context.close();
    await stack.services.db('policy_versions').where({ id: policyId }).delete();
  }
}, 60_000);

test('every page of a new, empty organization (a receptionist, a coaching school and its new learner) loads without an error, passes axe and is kept at both widths', async () => {
  const receptionist = await ownerThroughApi({ name: 'Console Empty Clinic', timeZone: 'UTC' });
  const school = await ownerThroughApi({ name: 'Console Empty School', timeZone: 'UTC', product: 'coach' });
  const consent = await request(stack.http.url).get(`/api/v1/coaching/organizations/${school.orgId}/consent-text`);
  const learnerEmail = uniqueEmail('console-empty-learner');
  const joined = await request(stack.http.url)
    .post('/api/v1/coaching/signup')
    .send({ ageConfirmed: true, organizationId: school.orgId, email: learnerEmail, password: PASSWORD, name: 'Ece Demir', phone: randomPhone(), timeZone: 'UTC', nativeLanguage: 'Turkish', goals: '', level: null, consent: { agreed: true, version: consent.body.version } });
  expect(joined.status).toBe(201);
  const tour: Array<[string, Array<[string, string]>]> = [
    [receptionist.email, [['/calls', 'Calls'], ['/appointments', 'Appointments'], ['/settings/booking', 'Services, hours and calendar'], ['/settings/agent', 'Your receptionist'], ['/team', 'Team and API keys'], ['/billing', 'Billing'], ['/privacy', 'Privacy'], ['/account', 'Your account']]],
    [school.email, [['/learners', 'Learners'], ['/topics', 'Topics'], ['/team', 'Team and API keys'], ['/billing', 'Billing'], ['/privacy', 'Privacy']]],
    [learnerEmail, [['/learn/progress', 'Your progress'], ['/learn/plans', 'Your call plans'], ['/learn/calls', 'Your practice calls'], ['/learn/balance', 'Your balance'], ['/account', 'Your account']]],
  ];
  for (const [email, pages] of tour) {
    const context = await chromiumBrowser.newContext({ baseURL: stack.http.url });
    const page = await context.newPage();
    try {
      await signIn(page, email);
      for (const [path, title] of pages) {
        await page.goto(path);
        await page.getByRole('heading', { level: 1, name: title, exact: true }).waitFor();
        await page.waitForLoadState('networkidle');
        await page.waitForFunction("!document.body.innerText.includes('Loading')", undefined, { timeout: 10_000 });
        expect([path, await page.getByRole('alert').allTextContents()]).toEqual([path, []]);
        await accessible(page);
        await screenshots(page, `empty${email === learnerEmail ? '-learner' : email === school.email ? '-school' : ''}${path.replaceAll('/', '-')}`);
      }
    } finally {
      await context.close();
    }
  }
}, 180_000);
