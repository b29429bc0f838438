/** Notices about calls and what the agent relies on to handle them: messages taken, broken calendar links. */
import type { Rendered, TemplateData } from '../kinds';
import { compose, formatDateTime, type RenderContext } from './layout';

export function messageTaken(data: TemplateData['calls.message_taken'], ctx: RenderContext): Rendered {
  const caller = data.callerName.trim() || 'Unknown caller';
  const callback = data.callbackE164 ?? 'no callback number';
  return compose(ctx, {
    subject: `new message from ${caller}`,
    blocks: [
      {
        rows: [
          ['Caller', caller],
          ['Callback number', callback],
          ['Taken at', formatDateTime(data.takenAt, ctx.timeZone)],
        ],
      },
      data.body,
      ...(data.viaFallback ? ['Taken by the backup script: the AI agent was unavailable.'] : []),
    ],
    // Never shortened: the SMS may be the only copy someone reads before calling back.
    sms: `message from ${caller} (${callback}): ${data.body}${data.viaFallback ? ' [taken by the backup script: the AI agent was unavailable]' : ''}`,
  });
}

export function calendarConnectionBroken(data: TemplateData['calendar.connection_broken'], ctx: RenderContext): Rendered {
  return compose(ctx, {
    subject: `reconnect your ${data.provider}`,
    blocks: [
      `Callgenly lost access to your ${data.provider}: the permission was revoked or has expired.`,
      `Until an administrator reconnects it, bookings taken by phone go to the built-in Callgenly calendar and are not checked against your ${data.provider}, so double bookings are possible.`,
    ],
    sms: `Callgenly lost access to your ${data.provider}. Reconnect it to avoid double bookings.`,
  });
}
