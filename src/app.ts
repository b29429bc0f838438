import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { DOMAINS, REGISTRY } from './domains';
import { errorHandler, notFound } from './platform/http/errors';
import { opsRoutes } from './platform/http/opsRoutes';
import { requestLogging, requestMetrics } from './platform/http/requestLogging';
import { v1Router } from './platform/http/v1/router';
import { verifyTwilioSignature } from './platform/providers/twilioSignature';
import { webhookTimings } from './platform/http/webhookTimings';
import type { AppDeps } from './deps';

/**
 * The HTTP surface, composed from the platform's middleware and every domain's routes: its `/api/v1`
 * route specs and the routers it mounts (provider webhooks, pages), then the console. Routes stay thin: validate, authorize,
 * then read Postgres or start/signal a workflow.
 */
export function createApp(deps: AppDeps, options: { console?: RequestHandler } = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  // Only the configured proxies may name the client (TRUST_PROXY); anyone else's X-Forwarded-For is ignored,
  // so nobody picks their own rate-limit bucket or audit IP.
  app.set('trust proxy', deps.config.http.trustProxy === false ? false : deps.config.http.trustProxy.join(', '));
  app.use(requestLogging(deps.logger));
  app.use(requestMetrics(deps.metrics));
  app.use(helmet());
  app.use(opsRoutes({ ...deps, metricsAccess: { token: deps.config.http.metricsToken, open: deps.config.env === 'development' } }));
  // Every Twilio webhook, whichever domain answers it, is signature-checked over its untouched form first.
  app.use(
    '/twilio',
    webhookTimings.arrival,
    express.urlencoded({ extended: false, limit: '64kb' }),
    verifyTwilioSignature(deps.config.twilio.authToken, deps.config.http.publicBaseUrl),
    webhookTimings.intakeDone,
  );
  app.use('/api/v1', v1Router(deps, REGISTRY));
  for (const domain of DOMAINS) for (const { path, router } of domain.mounts?.(deps) ?? []) app.use(path, router);
  // The console (the web app) on the same origin: its build, or its sources with hot reload in development.
  if (options.console) app.use(options.console);
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
