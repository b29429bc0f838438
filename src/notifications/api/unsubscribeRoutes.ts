import express, { Router } from 'express';
import type { TokenSigner } from '../../accounts/auth/tokens';
import type { Db } from '../../platform/db/knex';
import { unsubscribeTarget } from '../unsubscribe';
import type { NotificationKind } from '../kinds';
import { KINDS } from '../kinds';

const page = (title: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">${body}</body></html>`;

/**
 * The unsubscribe link of every non-mandatory email, no sign-in needed: the signed token names the
 * notification, which names the recipient and kind. GET only shows a button (mail scanners follow links);
 * POST, from that button or a mail client's one-click unsubscribe (RFC 8058), switches the kind off.
 */
export function unsubscribeRoutes(deps: { db: Db; tokens: TokenSigner }): Router {
  const router = Router();
  const target = async (token: unknown) => {
    const id = typeof token === 'string' ? await unsubscribeTarget(deps.tokens, token) : undefined;
    const row = id ? await deps.db('notifications').where({ id }).first('id', 'kind', 'user_id', 'org_id', 'recipient', 'channel') : undefined;
    return row && !KINDS[row.kind as NotificationKind].mandatory ? row : undefined;
  };
  const invalid = page('Link not valid', '<p>This unsubscribe link is not valid or has expired. Sign in to change your notification settings.</p>');

  router.get('/unsubscribe', async (req, res) => {
    if (!(await target(req.query.token))) return void res.status(400).type('html').send(invalid);
    const token = encodeURIComponent(String(req.query.token));
    res.type('html').send(page('Unsubscribe', `<form method="post" action="?token=${token}"><p>Stop receiving these emails?</p><button type="submit">Unsubscribe</button></form>`));
  });

  router.post('/unsubscribe', express.urlencoded({ extended: false, limit: '1kb' }), async (req, res) => {
    const row = await target(req.query.token);
    if (!row) return void res.status(400).type('html').send(invalid);
    if (KINDS[row.kind as NotificationKind].audience === 'user') {
      if (!row.user_id) return void res.status(400).type('html').send(invalid); // the account is gone
      // A person: this kind stops by email; their SMS choice for it stays as it was.
      await deps.db('notification_preferences')
        .insert({ user_id: row.user_id, kind: row.kind, email: false, sms: false })
        .onConflict(['user_id', 'kind'])
        .merge({ email: false, updated_at: deps.db.fn.now() });
    } else {
      // An organization's notification address: it comes off the list (an admin can put it back).
      await deps.db('organizations')
        .where({ id: row.org_id })
        .update({ notification_emails: deps.db.raw('array(select a from unnest(notification_emails) a where lower(a) <> lower(?))', [row.recipient]) });
    }
    await deps.db('audit_log').insert({ org_id: row.org_id, actor_type: 'user', actor_id: row.user_id, action: 'notification.unsubscribed', target_type: 'notification', target_id: row.id, metadata: JSON.stringify({ kind: row.kind }) });
    res.type('html').send(page('Unsubscribed', '<p>You will no longer receive these emails.</p>'));
  });
  return router;
}
