import cookieParser from 'cookie-parser';
import express, { Router } from 'express';
import { OidcClient } from '../../auth/oidc';
import { Sessions } from '../../auth/sessions';
import type { AppDeps } from '../app';
import { authenticate } from '../middleware/authenticate';
import { authRateLimits } from '../middleware/rateLimits';
import type { V1Deps } from './deps';
import { buildOpenApiDocument } from './openapi';
import { mountRoute, type RouteSpec } from './route';
import { refuseUnreadableText } from '../textInput';
import { apiKeyRoutes } from './routes/apiKeys';
import { auditLogRoutes } from './routes/auditLog';
import { authRoutes } from './routes/auth';
import { bookingRoutes } from './routes/booking';
import { calendarConnectionRoutes } from './routes/calendarConnections';
import { notificationRoutes } from './routes/notifications';
import { billingRoutes } from './routes/billing';
import { deletionRoutes } from './routes/deletion';
import { dataRequestRoutes } from './routes/dataRequests';
import { meRoutes } from './routes/me';
import { callRoutes } from './routes/calls';
import { invitationRoutes } from './routes/invitations';
import { memberRoutes } from './routes/members';
import { organizationRoutes } from './routes/organization';
import { phoneNumberRoutes } from './routes/phoneNumbers';
import { ssoRoutes } from './routes/sso';

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
