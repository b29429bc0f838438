/** Notification templates: pure rendering, no database or servers. */
import { KINDS, NOTIFICATION_KINDS, type NotificationKind, type TemplateContext, type TemplateData } from '../../src/notifications/kinds';
import { renderNotification } from '../../src/notifications/templates';
import { escapeHtml, formatDateTime, formatMoney } from '../../src/notifications/templates/layout';

/** One sample per kind: a kind added to kinds.ts without a sample here fails to compile. */
const SAMPLES: { [K in NotificationKind]: TemplateData[K] } = {
  'usage.weekly_report': {
    periodStart: '2026-11-30T05:00:00Z',
    periodEnd: '2026-12-07T05:00:00Z',
    calls: 42,
    outcomes: { booked: 12, message_taken: 9, info_only: 15, abandoned: 4, voicemail_beta: 2 },
    bookings: 12,
    minutes: 131,
    costSoFar: { amountMinor: 1250, currency: 'USD' },
  },
  'billing.payment_failed': { amount: { amountMinor: 4900, currency: 'USD' }, retryAt: '2026-12-07T14:00:00Z', invoiceUrl: 'https://billing.example/inv_1' },
  'billing.suspended': { reason: 'Three payment attempts failed.' },
  'billing.restored': {},
  'billing.low_balance': { balance: { amountMinor: 300, currency: 'USD' }, topUpUrl: 'https://app.example/billing' },
  'billing.top_up_received': { amount: { amountMinor: 5000, currency: 'USD' }, balance: { amountMinor: 5300, currency: 'USD' } },
  'security.new_sign_in': {
    ip: '203.0.113.7',
    device: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
    method: 'password',
  },
  'security.password_changed': { ip: null },
  'security.api_key_created': { keyName: 'Zapier integration', keyPrefix: 'cgk_4f2a', actor: 'grace@brightsmile.example' },
  'security.api_key_revoked': { keyName: 'Zapier integration', keyPrefix: 'cgk_4f2a', actor: 'grace@brightsmile.example' },
  'security.role_changed': { from: 'member', to: 'admin', actor: 'grace@brightsmile.example' },
  'security.sso_linked': { provider: 'Google' },
  'accounts.invitation': { inviter: 'Amy Lee', role: 'admin', acceptUrl: 'https://app.example/invitations/accept?token=abc', expiresAt: '2026-12-14T14:00:00Z' },
  'privacy.export_ready': { downloadUrl: 'https://app.example/exports/exp_1', expiresAt: '2026-12-14T14:00:00Z' },
  'privacy.deletion_requested': { erasureAt: '2026-12-30T14:00:00Z', cancelUrl: 'https://app.example/deletion/cancel' },
  'privacy.deletion_cancelled': {},
  'privacy.deletion_completed': { completedAt: '2026-12-30T14:05:00Z' },
  'calls.message_taken': {
    callerName: 'Ada Lovelace',
    callbackE164: '+14155550123',
    body: 'My crown came loose this morning. Could someone call me back about an appointment this week?',
    takenAt: '2026-12-07T14:00:00Z',
    viaFallback: false,
  },
  'calendar.connection_broken': { provider: 'Google Calendar' },
  'policy.changed': {
    title: 'the Callgenly Terms of Service',
    effectiveAt: '2027-01-01T00:00:00Z',
    url: 'https://callgenly.example/legal/terms',
    summary: 'Call recordings are now kept for 30 days by default instead of 90.',
  },
  'coaching.top_up_received': { amount: { amountMinor: 2000, currency: 'USD' }, balance: { amountMinor: 2300, currency: 'USD' } },
  'coaching.balance_refunded': { amount: { amountMinor: 1000, currency: 'USD' }, balance: { amountMinor: 300, currency: 'USD' } },
  'coaching.balance_low': { balance: { amountMinor: 300, currency: 'USD' }, topUpUrl: 'https://app.example/learn/balance' },
  'coaching.weekly_progress': { weekStart: '2026-11-23T00:00:00Z', callsThisWeek: 3, minutesThisWeek: 42, level: 'B1+', streakWeeks: 4, wordsInPractice: 17, progressUrl: 'https://app.example/learn/progress' },
  'coaching.call_not_placed': { reason: 'balance_too_low', balance: { amountMinor: 10, currency: 'USD' }, minuteCost: { amountMinor: 20, currency: 'USD' }, scheduledFor: '2026-12-01T15:30:00Z', topUpUrl: 'https://app.example/learn/balance' },
};

const ORG = 'Bright Smile Dental';
const UNSUBSCRIBE = 'https://app.example/unsubscribe?token=abc&kind=x';

function contextFor(kind: NotificationKind, overrides: Partial<TemplateContext> = {}): TemplateContext {
  return {
    orgName: kind === 'policy.changed' ? null : ORG,
    timeZone: 'America/New_York',
    recipientName: 'Grace',
    unsubscribeUrl: KINDS[kind].mandatory ? null : UNSUBSCRIBE,
    ...overrides,
  };
}

function render<K extends NotificationKind>(kind: K, overrides: Partial<TemplateContext> = {}, data: TemplateData[K] = SAMPLES[kind]) {
  return renderNotification(kind, data, contextFor(kind, overrides));
}

test.each(NOTIFICATION_KINDS)('%s renders a subject, text, HTML and SMS, all prefixed with the sender', (kind) => {
  const rendered = render(kind);
  const prefix = kind === 'policy.changed' ? 'Callgenly: ' : `${ORG}: `;
  for (const part of [rendered.subject, rendered.text, rendered.html, rendered.sms]) expect(part.trim()).not.toBe('');
  expect(rendered.subject.startsWith(prefix)).toBe(true);
  expect(rendered.sms.startsWith(prefix)).toBe(true);
  expect(rendered.text).toContain('Hello Grace,');
  expect(rendered.html).toContain('Hello Grace,');
});

test.each(NOTIFICATION_KINDS.filter((kind) => kind !== 'calls.message_taken'))('%s SMS fits in 320 characters', (kind) => {
  expect(render(kind).sms.length).toBeLessThanOrEqual(320);
});

test('the message-taken SMS is complete however long: caller, callback number and the whole message', () => {
  const body = `${'Please call me back about the invoice. '.repeat(12)}Thanks!`;
  const { sms } = render('calls.message_taken', {}, { ...SAMPLES['calls.message_taken'], body });
  expect(sms.length).toBeGreaterThan(320);
  expect(sms).toBe(`${ORG}: message from Ada Lovelace (+14155550123): ${body}`);
});

test('a message without a callback number says so, and one taken by the backup script says that too', () => {
  const { text, sms } = render('calls.message_taken', {}, { ...SAMPLES['calls.message_taken'], callbackE164: null, viaFallback: true });
  expect(text).toContain('Callback number: no callback number');
  expect(sms).toContain('(no callback number)');
  expect(text).toContain('Taken by the backup script: the AI agent was unavailable.');
  expect(render('calls.message_taken').text).not.toContain('backup script');
});

test('every interpolated value is escaped in HTML but kept as written in plain text', () => {
  const hostile = '<script>alert("x")</script> & \'Co\'';
  const rendered = render('calls.message_taken', { orgName: hostile, recipientName: hostile }, { ...SAMPLES['calls.message_taken'], callerName: hostile, body: hostile });
  expect(rendered.html).not.toContain('<script>');
  expect(rendered.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;');
  expect(rendered.text).toContain(hostile);
  expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
});

test('link URLs are escaped inside attributes', () => {
  const { html } = render('usage.weekly_report');
  expect(html).toContain('href="https://app.example/unsubscribe?token=abc&amp;kind=x"');
});

test('a multi-line message keeps its line breaks in HTML', () => {
  const { html } = render('calls.message_taken', {}, { ...SAMPLES['calls.message_taken'], body: 'Line one\nLine two' });
  expect(html).toContain('Line one<br>Line two');
});

test("times are shown in the organization's zone", () => {
  const newYork = render('calls.message_taken', { timeZone: 'America/New_York' });
  const london = render('calls.message_taken', { timeZone: 'Europe/London' });
  expect(newYork.text).toContain('Taken at: Monday 7 December 2026 at 9:00 AM EST');
  expect(london.text).toContain('Taken at: Monday 7 December 2026 at 2:00 PM GMT');
  // Summer time is named by its offset, and a late-evening instant can fall on the next day.
  expect(formatDateTime('2026-07-07T23:30:00Z', 'Europe/London')).toBe('Wednesday 8 July 2026 at 12:30 AM GMT+1');
});

test('the weekly period ends the day before its exclusive end, in the zone', () => {
  expect(render('usage.weekly_report', { timeZone: 'America/New_York' }).text).toContain('from Monday 30 November 2026 to Sunday 6 December 2026');
  // The same instants are 05:00 in London: the period reaches into Monday there.
  expect(render('usage.weekly_report', { timeZone: 'Europe/London' }).text).toContain('from Monday 30 November 2026 to Monday 7 December 2026');
});

test('the weekly report labels outcomes, shows unknown ones as they are, and says when billing is not set up', () => {
  const { text, html } = render('usage.weekly_report');
  for (const line of ['Calls: 42', 'Bookings: 12', 'Billable minutes: 131', 'Cost so far this billing period: $12.50', 'Answered questions: 15', 'Message taken: 9', "Caller didn't speak: 4", 'voicemail_beta: 2']) {
    expect(text).toContain(line);
  }
  expect(html).toContain('<table');
  expect(render('usage.weekly_report', {}, { ...SAMPLES['usage.weekly_report'], costSoFar: null }).text).toContain('Billing is not set up yet');
});

test('money is written from minor units with the currency exponent', () => {
  expect(formatMoney({ amountMinor: 1250, currency: 'USD' })).toBe('$12.50');
  expect(formatMoney({ amountMinor: 500, currency: 'JPY' })).toBe('¥500');
  expect(render('billing.top_up_received', {}, { amount: { amountMinor: 500, currency: 'JPY' }, balance: { amountMinor: 1200, currency: 'JPY' } }).text).toContain(
    'We received your top-up of ¥500. Your balance is now ¥1,200.',
  );
});

test('a non-mandatory kind carries the unsubscribe link in text and HTML', () => {
  const { text, html } = render('usage.weekly_report');
  expect(text).toContain(`Unsubscribe from these emails: ${UNSUBSCRIBE}`);
  expect(html).toContain('Unsubscribe from these emails</a>');
  expect(text).not.toContain('cannot be switched off');
});

test('a mandatory kind has no unsubscribe link, even if one is passed, and says why', () => {
  const { text, html } = render('security.new_sign_in', { unsubscribeUrl: UNSUBSCRIBE });
  for (const part of [text, html]) {
    expect(part).not.toContain('Unsubscribe');
    expect(part).not.toContain('unsubscribe?token');
    expect(part).toContain('This is a security or legal notice; it cannot be switched off.');
  }
});

test('without a recipient name the greeting is plain', () => {
  const { text } = render('calendar.connection_broken', { recipientName: null });
  expect(text.startsWith('Hello,\n')).toBe(true);
});

test('call-to-action links are written out in full in plain text', () => {
  expect(render('privacy.export_ready').text).toContain('Download the export: https://app.example/exports/exp_1');
  expect(render('billing.payment_failed', {}, { ...SAMPLES['billing.payment_failed'], invoiceUrl: null }).text).not.toContain('View the invoice');
});
