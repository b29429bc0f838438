/** Security notices: each says what changed on the account and what to do if it was not the recipient. */
import type { Rendered, TemplateData } from '../kinds';
import { clip, compose, formatDateTime, type RenderContext } from './layout';

const NOT_YOU = "If this wasn't you, change your password and sign out everywhere.";
/** After a password change the old password no longer works, so the advice is to reset it instead. */
const NOT_YOU_PASSWORD = "If this wasn't you, reset your password now and sign out everywhere.";
const NOT_YOU_KEY = "If you don't recognise this change, review your organization's API keys and tell an administrator.";

function ipOf(ip: string | null): string {
  return ip ?? 'unknown';
}

/** The key by name and its visible prefix, the part people see in the key list. */
function keyLabel(data: { keyName: string; keyPrefix: string }, max = Infinity): string {
  return `"${clip(data.keyName, max)}" (${data.keyPrefix}…)`;
}

export function newSignIn(data: TemplateData['security.new_sign_in'], ctx: RenderContext): Rendered {
  return compose(ctx, {
    subject: 'new sign-in to your Callgenly account',
    blocks: [
      'A new sign-in to your Callgenly account.',
      { rows: [['Device', data.device], ['IP address', ipOf(data.ip)], ['Method', data.method]] },
      NOT_YOU,
    ],
    sms: `new sign-in to your Callgenly account from ${clip(data.device, 60)} (IP ${ipOf(data.ip)}). ${NOT_YOU}`,
  });
}

export function passwordChanged(data: TemplateData['security.password_changed'], ctx: RenderContext): Rendered {
  return compose(ctx, {
    subject: 'your password was changed',
    blocks: ['The password of your Callgenly account was changed.', { rows: [['IP address', ipOf(data.ip)]] }, NOT_YOU_PASSWORD],
    sms: `the password of your Callgenly account was changed. ${NOT_YOU_PASSWORD}`,
  });
}

export function apiKeyCreated(data: TemplateData['security.api_key_created'], ctx: RenderContext): Rendered {
  return compose(ctx, {
    subject: `API key ${keyLabel(data)} created`,
    blocks: [`${data.actor} created the API key ${keyLabel(data)}.`, NOT_YOU_KEY],
    sms: `${clip(data.actor, 60)} created the API key ${keyLabel(data, 40)}.`,
  });
}

export function apiKeyRevoked(data: TemplateData['security.api_key_revoked'], ctx: RenderContext): Rendered {
  return compose(ctx, {
    subject: `API key ${keyLabel(data)} revoked`,
    blocks: [`${data.actor} revoked the API key ${keyLabel(data)}. Requests made with it are now refused.`, NOT_YOU_KEY],
    sms: `${clip(data.actor, 60)} revoked the API key ${keyLabel(data, 40)}.`,
  });
}

export function roleChanged(data: TemplateData['security.role_changed'], ctx: RenderContext): Rendered {
  return compose(ctx, {
    subject: `your role changed from ${data.from} to ${data.to}`,
    blocks: [
      `${data.actor} changed your role from ${data.from} to ${data.to}.`,
      "If you don't expect this change, contact an administrator of your organization.",
    ],
    sms: `${clip(data.actor, 60)} changed your role from ${data.from} to ${data.to}.`,
  });
}

export function ssoLinked(data: TemplateData['security.sso_linked'], ctx: RenderContext): Rendered {
  return compose(ctx, {
    subject: `${data.provider} sign-in linked to your account`,
    blocks: [`Your Callgenly account can now be signed in to with ${data.provider}.`, NOT_YOU],
    sms: `${data.provider} sign-in was linked to your Callgenly account. ${NOT_YOU}`,
  });
}

/** An invitation to join the organization: who asked, as what, the link (it works once) and until when. */
export function invitation(data: TemplateData['accounts.invitation'], ctx: RenderContext): Rendered {
  const where = ctx.orgName ?? 'an organization';
  return compose(ctx, {
    subject: `${clip(data.inviter, 60)} invited you to join ${where} on Callgenly`,
    blocks: [
      `${data.inviter} invited you to join ${where} on Callgenly as ${data.role === 'admin' || data.role === 'owner' ? 'an' : 'a'} ${data.role}.`,
      `The link works once, until ${formatDateTime(data.expiresAt, ctx.timeZone)}. If you did not expect this, ignore this email.`,
    ],
    action: { label: 'Accept the invitation', url: data.acceptUrl },
    sms: `${clip(data.inviter, 40)} invited you to join ${clip(where, 60)} on Callgenly: ${data.acceptUrl}`,
  });
}
