/** A coaching service's notices to its learners, in the service's own name (`ownBrand`). */
import type { Rendered, TemplateData } from '../kinds';
import { compose, formatDateTime, formatMoney, type RenderContext } from './layout';

export function learnerTopUpReceived(data: TemplateData['coaching.top_up_received'], ctx: RenderContext): Rendered {
  const amount = formatMoney(data.amount);
  const balance = formatMoney(data.balance);
  return compose(ctx, {
    ownBrand: true,
    subject: `top-up of ${amount} received`,
    blocks: [`Thank you: we received your top-up of ${amount}. Your practice balance is now ${balance}.`],
    sms: `we received your top-up of ${amount}. Your practice balance is now ${balance}.`,
  });
}

export function balanceRefunded(data: TemplateData['coaching.balance_refunded'], ctx: RenderContext): Rendered {
  const amount = formatMoney(data.amount);
  const balance = formatMoney(data.balance);
  return compose(ctx, {
    ownBrand: true,
    subject: `refund of ${amount}`,
    blocks: [`${amount} was refunded to your payment method and taken off your practice balance, which is now ${balance}.`],
    sms: `${amount} was refunded; your practice balance is now ${balance}.`,
  });
}

export function balanceLow(data: TemplateData['coaching.balance_low'], ctx: RenderContext): Rendered {
  const balance = formatMoney(data.balance);
  return compose(ctx, {
    ownBrand: true,
    subject: `your practice balance is low: ${balance}`,
    blocks: [`Your practice balance is ${balance}.`, 'Top up to keep your planned calls going: a call is only placed when the balance pays for it.'],
    action: data.topUpUrl ? { label: 'Top up', url: data.topUpUrl } : null,
    sms: `your practice balance is low: ${balance}. Top up to keep your planned calls going.`,
  });
}

export function callNotPlaced(data: TemplateData['coaching.call_not_placed'], ctx: RenderContext): Rendered {
  const when = formatDateTime(data.scheduledFor, ctx.timeZone);
  const balance = formatMoney(data.balance);
  return compose(ctx, {
    ownBrand: true,
    subject: 'your practice call was not placed',
    blocks: [`We did not call you for your practice call of ${when}: your balance (${balance}) does not pay for a minute of practice (${formatMoney(data.minuteCost)}).`, 'Top up and your next planned call goes ahead.'],
    action: data.topUpUrl ? { label: 'Top up', url: data.topUpUrl } : null,
    sms: `we did not call you for your practice call of ${when}: your balance is too low. Top up to keep your calls going.`,
  });
}

export function weeklyProgress(data: TemplateData['coaching.weekly_progress'], ctx: RenderContext): Rendered {
  const calls = data.callsThisWeek === 1 ? '1 practice call' : `${data.callsThisWeek} practice calls`;
  return compose(ctx, {
    ownBrand: true,
    subject: data.callsThisWeek > 0 ? `your week: ${calls}, ${data.minutesThisWeek} minutes` : 'your week of English practice',
    blocks: [
      data.callsThisWeek > 0 ? `This week you practised for ${data.minutesThisWeek} minutes in ${calls}.` : 'You had no practice call this week: your next planned call is a good moment to start again.',
      {
        rows: [
          ['Estimated level', data.level ? `${data.level} (a practice estimate, not a certified level)` : 'not yet: it needs three scored calls'],
          ['Weeks in a row', String(data.streakWeeks)],
          ['Words in practice', String(data.wordsInPractice)],
        ],
      },
    ],
    action: { label: 'See your progress', url: data.progressUrl },
    sms: data.callsThisWeek > 0 ? `this week you practised ${data.minutesThisWeek} minutes in ${calls}.` : 'no practice call this week.',
  });
}
