import cookieParser from 'cookie-parser';
import express, { Router } from 'express';
import { OidcClient } from '../../../accounts/auth/oidc';
import { Sessions } from '../../../accounts/auth/sessions';
import type { AppDeps } from '../../../deps';
import { authenticate } from '../../../accounts/auth/authenticate';
import { authRateLimits } from '../../../accounts/auth/rateLimits';
import type { V1Deps } from './deps';
import { buildOpenApiDocument } from './openapi';
import { mountRoute, type RouteSpec } from './route';
import { refuseUnreadableText } from '../textInput';
import type { Processor } from '../../registration';
/** The admin REST API mounted at /api/v1, from every domain's route specs. */
export function v1Router(app: AppDeps, registry: { routes: readonly RouteSpec[]; processors: readonly Processor[] }): Router {
  const { routes } = registry;
  const { config } = app;
  const { tokens } = app;
  const callback = (provider: string) => `${config.http.publicBaseUrl}/api/v1/auth/sso/${provider}/callback`;
  const deps: V1Deps = {
    ...app,
    processors: registry.processors,
    tokens,
    sessions: new Sessions(app.db, tokens, config.auth),
    sso: {
      ...(config.auth.sso.google ? { google: new OidcClient('google', config.auth.sso.google, callback('google')) } : {}),
      ...(config.auth.sso.microsoft ? { microsoft: new OidcClient('microsoft', config.auth.sso.microsoft, callback('microsoft')) } : {}),
    },
  };
  const openapi = buildOpenApiDocument(routes, config.http.publicBaseUrl);
  const limiters = authRateLimits(app, config.auth);

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
  for (const route of routes) mountRoute(router, route, deps, limiters);
  return router;
}
