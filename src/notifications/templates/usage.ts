/** The weekly usage report: what the AI receptionist did over the period, and what it cost so far. */
import type { Rendered, TemplateData } from '../kinds';
import { compose, count, formatMoney, formatNumber, formatPeriod, type Block, type RenderContext } from './layout';

/** Call outcomes (CallOutcome in workflows/callDefinitions.ts) in words; unknown keys are shown as they are. */
const OUTCOME_LABELS: Record<string, string> = {
  booked: 'Booked',
  rescheduled: 'Rescheduled',
  cancelled: 'Cancelled',
  message_taken: 'Message taken',
  transferred: 'Transferred',
  info_only: 'Answered questions',
  abandoned: "Caller didn't speak",
  failed: 'Call failed',
};

/** Most frequent outcome first; ties by key, so the order is stable. Nothing when there were no calls. */
function outcomeBlocks(outcomes: Record<string, number>): Block[] {
  const rows = Object.entries(outcomes)
    .sort(([a, m], [b, n]) => n - m || a.localeCompare(b))
    .map(([key, n]): [string, string] => [OUTCOME_LABELS[key] ?? key, formatNumber(n)]);
  return rows.length > 0 ? ['Calls by outcome:', { rows }] : [];
}

export function weeklyReport(data: TemplateData['usage.weekly_report'], ctx: RenderContext): Rendered {
  const period = formatPeriod(data.periodStart, data.periodEnd, ctx.timeZone);
  const cost = data.costSoFar ? formatMoney(data.costSoFar) : 'Billing is not set up yet';
  return compose(ctx, {
    subject: 'your weekly report',
    blocks: [
      `Your AI receptionist's activity from ${period}:`,
      {
        rows: [
          ['Calls', formatNumber(data.calls)],
          ['Bookings', formatNumber(data.bookings)],
          ['Billable minutes', formatNumber(data.minutes)],
          ['Cost so far this billing period', cost],
        ],
      },
      ...outcomeBlocks(data.outcomes),
    ],
    sms: `${count(data.calls, 'call')}, ${count(data.bookings, 'booking')} and ${count(data.minutes, 'billable minute')} from ${period}.`,
  });
}
