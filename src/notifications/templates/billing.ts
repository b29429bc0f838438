/** Billing notices: the fact, the amounts, the next date, and the link to act on when there is one. */
import type { Rendered, TemplateData } from '../kinds';
import { clip, compose, formatDateTime, formatMoney, type RenderContext } from './layout';

export function paymentFailed(data: TemplateData['billing.payment_failed'], ctx: RenderContext): Rendered {
  const amount = formatMoney(data.amount);
  const retry = data.retryAt
    ? `We will try again on ${formatDateTime(data.retryAt, ctx.timeZone)}.`
    : 'No further attempt is scheduled.';
  const suspension = data.suspendAt
    ? `If it is still unpaid on ${formatDateTime(data.suspendAt, ctx.timeZone)}, your service will be suspended: calls will only be answered to take messages.`
    : 'Please check your payment method to keep your service running.';
  return compose(ctx, {
    subject: `payment of ${amount} failed`,
    blocks: [`We could not collect your payment of ${amount}. ${retry}`, suspension],
    action: data.invoiceUrl ? { label: 'View the invoice', url: data.invoiceUrl } : null,
    sms: `your payment of ${amount} failed. ${retry}`,
  });
}

export function suspended(data: TemplateData['billing.suspended'], ctx: RenderContext): Rendered {
  return compose(ctx, {
    subject: 'your Callgenly service is suspended',
    blocks: [`Your Callgenly service is suspended. Reason: ${data.reason}`, 'Resolve the billing issue to restore the service.'],
    sms: `your Callgenly service is suspended. Reason: ${clip(data.reason, 160)}`,
  });
}

export function restored(_data: TemplateData['billing.restored'], ctx: RenderContext): Rendered {
  return compose(ctx, {
    subject: 'your Callgenly service is restored',
    blocks: ['Your Callgenly service is active again.'],
    sms: 'your Callgenly service is active again.',
  });
}

export function lowBalance(data: TemplateData['billing.low_balance'], ctx: RenderContext): Rendered {
  const balance = formatMoney(data.balance);
  return compose(ctx, {
    subject: `low balance: ${balance}`,
    blocks: [`Your prepaid balance is ${balance}.`, 'Add funds to avoid an interruption of your service.'],
    action: data.topUpUrl ? { label: 'Add funds', url: data.topUpUrl } : null,
    sms: `your prepaid balance is low: ${balance}. Add funds to avoid an interruption of your service.`,
  });
}

export function topUpReceived(data: TemplateData['billing.top_up_received'], ctx: RenderContext): Rendered {
  const amount = formatMoney(data.amount);
  const balance = formatMoney(data.balance);
  return compose(ctx, {
    subject: `top-up of ${amount} received`,
    blocks: [`We received your top-up of ${amount}. Your balance is now ${balance}.`],
    sms: `we received your top-up of ${amount}. Your balance is now ${balance}.`,
  });
}
