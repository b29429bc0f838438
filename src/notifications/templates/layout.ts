/**
 * What every template shares: escaping, the email frame (greeting, body, call to action, footer) in HTML and
 * plain text, and how dates, counts and money are written. Templates describe content; this file decides form.
 */
import { DateTime } from 'luxon';
import type { Money, Rendered, TemplateContext } from '../kinds';

/** The template context plus whether the kind is mandatory, which decides the footer (passed from KINDS). */
export interface RenderContext extends TemplateContext {
  mandatory: boolean;
}

/** A paragraph, or label/value rows (an HTML table; "Label: value" lines in plain text). */
export type Block = string | { rows: Array<[label: string, value: string]> };

export interface Content {
  /** Without the "Org name:" prefix, which `compose` adds to the subject and the SMS alike. */
  subject: string;
  blocks: Block[];
  action?: { label: string; url: string } | null;
  sms: string;
  /** Sent to an organization's own customers (a coaching service's learners): in its name alone, not Callgenly's. */
  ownBrand?: boolean;
}

const MANDATORY_NOTICE = 'This is a security or legal notice; it cannot be switched off.';
const UNSUBSCRIBE_LABEL = 'Unsubscribe from these emails';

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

/** Builds the whole notice: prefixed subject and SMS, and the email in both forms from the same content. */
export function compose(ctx: RenderContext, content: Content): Rendered {
  const prefix = `${ctx.orgName ?? 'Callgenly'}: `;
  const subject = prefix + content.subject;
  return { subject, text: emailText(ctx, content), html: emailHtml(ctx, content, subject), sms: prefix + content.sms };
}

function greeting(ctx: RenderContext): string {
  return ctx.recipientName ? `Hello ${ctx.recipientName},` : 'Hello,';
}

function senderLine(ctx: RenderContext, content: Content): string {
  if (content.ownBrand && ctx.orgName) return `Sent by ${ctx.orgName}.`;
  return ctx.orgName ? `Sent by Callgenly for ${ctx.orgName}.` : 'Sent by Callgenly.';
}

/** Mandatory notices never carry an unsubscribe link, even if one was passed by mistake. */
function unsubscribeUrl(ctx: RenderContext): string | null {
  return ctx.mandatory ? null : ctx.unsubscribeUrl;
}

function emailText(ctx: RenderContext, content: Content): string {
  const unsubscribe = unsubscribeUrl(ctx);
  const footer = [senderLine(ctx, content), ctx.mandatory ? MANDATORY_NOTICE : unsubscribe ? `${UNSUBSCRIBE_LABEL}: ${unsubscribe}` : null];
  const parts = [
    greeting(ctx),
    ...content.blocks.map(blockText),
    content.action ? `${content.action.label}: ${content.action.url}` : null,
    // "-- " on its own line is the plain-text signature delimiter mail clients recognize.
    ['-- ', ...footer.filter((line) => line !== null)].join('\n'),
  ];
  return `${parts.filter((part) => part !== null).join('\n\n')}\n`;
}

function blockText(block: Block): string {
  return typeof block === 'string' ? block : block.rows.map(([label, value]) => `${label}: ${value}`).join('\n');
}

const STYLE = {
  body: 'margin:0;padding:24px;background:#f4f4f5;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1f2937',
  card: 'max-width:560px;margin:0 auto;padding:24px;background:#ffffff;border-radius:6px',
  p: 'margin:0 0 16px',
  table: 'margin:0 0 16px;border-collapse:collapse',
  th: 'padding:4px 16px 4px 0;text-align:left;font-weight:normal;color:#6b7280;vertical-align:top',
  td: 'padding:4px 0;vertical-align:top',
  button: 'display:inline-block;padding:10px 16px;background:#2563eb;color:#ffffff;text-decoration:none;border-radius:4px',
  footer: 'margin:24px 0 0;padding-top:16px;border-top:1px solid #e5e7eb;font-size:12px;color:#6b7280',
  footerLink: 'color:#6b7280',
};

function emailHtml(ctx: RenderContext, content: Content, subject: string): string {
  const unsubscribe = unsubscribeUrl(ctx);
  const footerNote = ctx.mandatory
    ? `<br>${escapeHtml(MANDATORY_NOTICE)}`
    : unsubscribe
      ? `<br><a href="${escapeHtml(unsubscribe)}" style="${STYLE.footerLink}">${UNSUBSCRIBE_LABEL}</a>`
      : '';
  const action = content.action
    ? `<p style="${STYLE.p}"><a href="${escapeHtml(content.action.url)}" style="${STYLE.button}">${escapeHtml(content.action.label)}</a></p>`
    : '';
  return [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    `<body style="${STYLE.body}"><div style="${STYLE.card}">`,
    paragraphHtml(greeting(ctx)),
    ...content.blocks.map(blockHtml),
    action,
    `<p style="${STYLE.footer}">${escapeHtml(senderLine(ctx, content))}${footerNote}</p>`,
    '</div></body></html>',
    '',
  ].join('\n');
}

/** Keeps the line breaks of multi-line values (a caller's message) visible in HTML. */
function paragraphHtml(text: string): string {
  return `<p style="${STYLE.p}">${escapeHtml(text).replace(/\r?\n/g, '<br>')}</p>`;
}

function blockHtml(block: Block): string {
  if (typeof block === 'string') return paragraphHtml(block);
  const rows = block.rows.map(
    ([label, value]) => `<tr><th scope="row" style="${STYLE.th}">${escapeHtml(label)}</th><td style="${STYLE.td}">${escapeHtml(value)}</td></tr>`,
  );
  return `<table role="presentation" style="${STYLE.table}">${rows.join('')}</table>`;
}

/** A fixed locale, so the output does not depend on the server's; en-US names zones unambiguously (EST, GMT+1). */
const LOCALE = 'en-US';

/** The instant in the zone; a malformed value is shown as given rather than failing the whole notice. */
function inZone(iso: string, timeZone: string): DateTime | null {
  const instant = DateTime.fromISO(iso, { zone: 'utc', locale: LOCALE });
  const zoned = instant.setZone(timeZone);
  return zoned.isValid ? zoned : instant.isValid ? instant : null;
}

const DATE = 'cccc d LLLL yyyy';

/** e.g. "Monday 7 December 2026 at 9:00 AM EST". */
export function formatDateTime(iso: string, timeZone: string): string {
  return inZone(iso, timeZone)?.toFormat(`${DATE} 'at' h:mm a ZZZZ`) ?? iso;
}

/** e.g. "Monday 7 December 2026". */
export function formatDate(iso: string, timeZone: string): string {
  return inZone(iso, timeZone)?.toFormat(DATE) ?? iso;
}

/** The days a period covers, its end being exclusive: a week ending at Monday 00:00 ends on the Sunday. */
export function formatPeriod(startIso: string, endExclusiveIso: string, timeZone: string): string {
  const lastDay = inZone(endExclusiveIso, timeZone)?.minus({ milliseconds: 1 }).toFormat(DATE) ?? endExclusiveIso;
  return `${formatDate(startIso, timeZone)} to ${lastDay}`;
}

/** Integer minor units to a currency string, e.g. 1250 USD → "$12.50", 500 JPY → "¥500". */
export function formatMoney({ amountMinor, currency }: Money): string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency });
  // Always set for the currency style; 2 (the common exponent) only satisfies the type.
  return format.format(amountMinor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}

/** e.g. "1,204". */
export function formatNumber(n: number): string {
  return n.toLocaleString(LOCALE);
}

/** e.g. "1 call", "1,204 calls". */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatNumber(n)} ${n === 1 ? singular : plural}`;
}

/** Shortens free text (a device string, a key name) that would otherwise make an SMS run long. */
export function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1).trimEnd()}…`;
}
