import { httpUrl, setting } from '../platform/config/settings';

/** Where the calendar providers are reached (local servers speaking their wire formats in tests). */
export const calendarEndpoints = {
  googleApiUrl: setting('GOOGLE_CALENDAR_API_URL', httpUrl().default('https://www.googleapis.com/')),
  googleAuthorizeUrl: setting('GOOGLE_OAUTH_AUTHORIZE_URL', httpUrl().default('https://accounts.google.com/o/oauth2/v2/auth')),
  googleTokenUrl: setting('GOOGLE_OAUTH_TOKEN_URL', httpUrl().default('https://oauth2.googleapis.com/token')),
  googleRevokeUrl: setting('GOOGLE_OAUTH_REVOKE_URL', httpUrl().default('https://oauth2.googleapis.com/revoke')),
  microsoftAuthority: setting('MICROSOFT_CALENDAR_AUTHORITY', httpUrl().default('https://login.microsoftonline.com/common').transform((v) => v.replace(/\/$/, ''))),
  microsoftGraphUrl: setting('MICROSOFT_GRAPH_URL', httpUrl().default('https://graph.microsoft.com').transform((v) => v.replace(/\/$/, ''))),
};
