/** Platform policy changes (terms, privacy policy), sent by Callgenly itself rather than for an organization. */
import type { Rendered, TemplateData } from '../kinds';
import { clip, compose, formatDate, formatDateTime, type RenderContext } from './layout';

export function policyChanged(data: TemplateData['policy.changed'], ctx: RenderContext): Rendered {
  // The date alone in the subject and SMS; the exact time in the email, where an hour's offset can change the day.
  const effective = formatDate(data.effectiveAt, ctx.timeZone);
  return compose(ctx, {
    subject: `changes to ${data.title}, effective ${effective}`,
    blocks: [`We are changing ${data.title}. The new version takes effect on ${formatDateTime(data.effectiveAt, ctx.timeZone)}.`, data.summary],
    action: { label: 'Read the new version', url: data.url },
    sms: `we are changing ${clip(data.title, 80)}, effective ${effective}. Details: ${data.url}`,
  });
}
