/** Privacy notices about the organization's data: exports and erasure, with the dates that bind them. */
import type { Rendered, TemplateData } from '../kinds';
import { compose, formatDate, formatDateTime, type RenderContext } from './layout';

export function exportReady(data: TemplateData['privacy.export_ready'], ctx: RenderContext): Rendered {
  const expiresAt = formatDateTime(data.expiresAt, ctx.timeZone);
  return compose(ctx, {
    subject: 'your data export is ready',
    blocks: ['Your data export is ready to download.', `The link works until ${expiresAt}.`],
    action: { label: 'Download the export', url: data.downloadUrl },
    // The download link stays out of the SMS: it grants access to all the data, and email is where it was sent.
    sms: `your data export is ready. Download it from the link in our email before ${expiresAt}.`,
  });
}

export function deletionRequested(data: TemplateData['privacy.deletion_requested'], ctx: RenderContext): Rendered {
  const erasureAt = formatDateTime(data.erasureAt, ctx.timeZone);
  // Without a cancel link the deletion cannot be undone from the email, so the notice does not offer it.
  const cancel = data.cancelUrl ? ' You can cancel it until then.' : '';
  return compose(ctx, {
    subject: `your data will be erased on ${formatDate(data.erasureAt, ctx.timeZone)}`,
    blocks: [`We received a request to delete your data. It will be erased on ${erasureAt}.${cancel}`, 'Once erased, the data cannot be recovered.'],
    action: data.cancelUrl ? { label: 'Cancel the deletion', url: data.cancelUrl } : null,
    sms: `your data will be erased on ${erasureAt}.${cancel}`,
  });
}

export function deletionCancelled(_data: TemplateData['privacy.deletion_cancelled'], ctx: RenderContext): Rendered {
  return compose(ctx, {
    subject: 'data deletion cancelled',
    blocks: ['The deletion of your data was cancelled. Your data is kept.'],
    sms: 'the deletion of your data was cancelled. Your data is kept.',
  });
}

export function deletionCompleted(data: TemplateData['privacy.deletion_completed'], ctx: RenderContext): Rendered {
  const completedAt = formatDateTime(data.completedAt, ctx.timeZone);
  return compose(ctx, {
    subject: 'your data was erased',
    blocks: [`Your data was erased on ${completedAt}. It cannot be recovered.`],
    sms: `your data was erased on ${completedAt}.`,
  });
}
