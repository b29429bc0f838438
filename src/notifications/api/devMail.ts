import { Router } from 'express';
import { listDevMail, type DevMail } from '../devMailbox';
import { escapeHtml } from '../templates/layout';

/**
 * GET /dev/mail: the local dev mailbox as a plain page, newest first. Mounted only in development, since
 * it shows every email the platform sent, to anyone who can reach the port.
 */
export function devMailRouter(dir: string): Router {
  const router = Router();
  router.get('/dev/mail', async (_req, res) => {
    const messages = await listDevMail(dir);
    res.type('html').send(page(dir, messages));
  });
  return router;
}

function page(dir: string, messages: DevMail[]): string {
  const body = messages.length ? messages.map(article).join('\n') : `<p>No mail in ${escapeHtml(dir)} yet.</p>`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Dev mailbox</title></head>
<body><h1>Dev mailbox (${messages.length})</h1>
${body}
</body></html>`;
}

function article(mail: DevMail): string {
  return `<article>
<h2>${escapeHtml(mail.subject)}</h2>
<p>${escapeHtml(mail.date)} · ${escapeHtml(mail.from)} → ${escapeHtml(mail.to)}</p>
<pre>${escapeHtml(mail.text)}</pre>
</article>`;
}
