import type { TokenSigner } from '../accounts/auth/tokens';

// Old emails keep working for a year; the link only ever switches one kind off for one recipient.
const TTL_MS = 365 * 24 * 3600_000;

/** The link in a non-mandatory email that switches that kind off for its recipient, without signing in. */
export async function unsubscribeUrl(tokens: TokenSigner, publicBaseUrl: string, notificationId: string): Promise<string> {
  const token = await tokens.sign('unsubscribe', {}, TTL_MS, { subject: notificationId });
  return `${publicBaseUrl}/notifications/unsubscribe?token=${encodeURIComponent(token)}`;
}

/** The notification a link was made for, or undefined when the token is forged, expired or for something else. */
export async function unsubscribeTarget(tokens: TokenSigner, token: string): Promise<string | undefined> {
  return (await tokens.verify('unsubscribe', token))?.sub;
}
