import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import type { Config } from '../config';
import { PROJECT_ROOT } from '../config/projectRoot';
import { freePort } from '../ports';

/**
 * A page of the console, as a link leaving the API (a redirect, an email, Stripe's return): APP_URL when the
 * console is served from another origin, else the API's own (which serves it).
 */
export const consoleUrl = (config: Pick<Config, 'auth' | 'http'>, page = ''): string => `${config.auth.appUrl ?? config.http.publicBaseUrl}${page}`;

/** The console's production build (`npm run console:build`): index.html and hashed assets. */
export const CONSOLE_DIST = path.join(PROJECT_ROOT, 'console', 'dist');

/** Paths that belong to the API and the providers' webhooks: never answered with the console's page. */
const NOT_CONSOLE = /^\/(api|twilio|vapi|stripe|health|metrics|dev)(\/|$)/;

/**
 * The console's built files, same origin as the API: `/assets/*` are content-hashed, so cached for a year
 * and immutable; any other page a browser asks for gets index.html (the console routes in the browser),
 * never cached, so a deploy is picked up on the next load.
 */
export function consoleFiles(dir = CONSOLE_DIST): RequestHandler | undefined {
  const index = path.join(dir, 'index.html');
  if (!existsSync(index)) return undefined;
  const router = Router();
  router.use('/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  router.get(/.*/, (req, res, next) => {
    if (NOT_CONSOLE.test(req.path) || !req.accepts('html')) return next();
    res.set('Cache-Control', 'no-cache').sendFile(index);
  });
  return router;
}

/**
 * The console from its sources with hot reload (`npm run dev`): Vite in middleware mode inside the API's
 * process, so the console and the API share an origin and the session cookie as in production. Vite's
 * client needs an inline script and a WebSocket, which the API's content security policy forbids: its
 * pages get a development policy that allows them.
 */
export async function consoleDevServer(): Promise<{ handler: RequestHandler; close(): Promise<void> }> {
  const { createServer } = await import('vite');
  // Hot reload's WebSocket on a port of its own, free now: a second `npm run dev` must not collide on Vite's default.
  const vite = await createServer({ configFile: path.join(PROJECT_ROOT, 'console', 'vite.config.ts'), server: { middlewareMode: true, hmr: { port: await freePort() } }, appType: 'spa', logLevel: 'warn' });
  const devPolicy = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:";
  const handler: RequestHandler = (req, res, next) => {
    if (NOT_CONSOLE.test(req.path)) return next();
    res.setHeader('Content-Security-Policy', devPolicy);
    vite.middlewares(req, res, next);
  };
  return { handler, close: () => vite.close() };
}
