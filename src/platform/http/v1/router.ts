import cookieParser from 'cookie-parser';
import express, { Router } from 'express';
import { OidcClient } from '../../../accounts/auth/oidc';
import { Sessions } from '../../../accounts/auth/sessions';
import type { AppDeps } from '../app';
import { authenticate } from '../../../accounts/auth/authenticate';
import { authRateLimits } from '../../../accounts/auth/rateLimits';
import type { V1Deps } from './deps';
import { buildOpenApiDocument } from './openapi';
import { mountRoute, type RouteSpec } from './route';
import { refuseUnreadableText } from '../textInput';
import { apiKeyRoutes } from '../../../accounts/api/apiKeys';
import { auditLogRoutes } from '../../../accounts/api/auditLog';
import { authRoutes } from '../../../accounts/api/auth';
import { bookingRoutes } from '../../../booking/api/booking';
import { calendarConnectionRoutes } from '../../../booking/api/calendarConnections';
import { notificationRoutes } from '../../../notifications/api/notifications';
import { billingRoutes } from '../../../billing/api/billing';
import { deletionRoutes } from '../../../privacy/api/deletion';
import { dataRequestRoutes } from '../../../privacy/api/dataRequests';
import { meRoutes } from '../../../accounts/api/me';
import { callRoutes } from '../../../calls/api/calls';
import { invitationRoutes } from '../../../accounts/api/invitations';
import { memberRoutes } from '../../../accounts/api/members';
import { organizationRoutes } from '../../../accounts/api/organization';
import { phoneNumberRoutes } from '../../../accounts/api/phoneNumbers';
import { ssoRoutes } from '../../../accounts/api/sso';

/** Every admin API route; the router and the OpenAPI document are both made from this list. */
export const V1_ROUTES: RouteSpec[] = [
  ...authRoutes,
  ...ssoRoutes,
  ...organizationRoutes,
  ...memberRoutes,
  ...invitationRoutes,
  ...apiKeyRoutes,
  ...phoneNumberRoutes,
  ...auditLogRoutes,
  ...callRoutes,
  ...bookingRoutes,
  ...calendarConnectionRoutes,
  ...notificationRoutes,
  ...billingRoutes,
  ...deletionRoutes,
  ...dataRequestRoutes,
  ...meRoutes,
];

/** The admin REST API mounted at /api/v1. */
export function v1Router(app: AppDeps): Router {
  const { config } = app;
  const { tokens } = app;
  const callback = (provider: string) => `${config.http.publicBaseUrl}/api/v1/auth/sso/${provider}/callback`;
  const deps: V1Deps = {
    ...app,
    tokens,
    sessions: new Sessions(app.db, tokens, config.auth),
    sso: {
      ...(config.auth.sso.google ? { google: new OidcClient('google', config.auth.sso.google, callback('google')) } : {}),
      ...(config.auth.sso.microsoft ? { microsoft: new OidcClient('microsoft', config.auth.sso.microsoft, callback('microsoft')) } : {}),
    },
  };
  const openapi = buildOpenApiDocument(V1_ROUTES, config.http.publicBaseUrl);
  const limiters = authRateLimits(app.db, config.auth);

  const router = Router();
  router.use(express.json({ limit: '100kb' }), cookieParser(), refuseUnreadableText);
  router.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  // Answers are per person and some show a secret once (an API key, an invitation token): never cached.
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(authenticate(app.db, deps.sessions, config.auth));
  for (const route of V1_ROUTES) mountRoute(router, route, deps, limiters);
  return router;
}
