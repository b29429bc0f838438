/**
 * `npm run codec-server`: the payload codec server for the Temporal Web UI on its own port
 * (CODEC_SERVER_PORT, 8888), for deployments that keep it apart from the API (which also serves it at
 * /codec). Point the UI at it: Settings → Codec Server → http://localhost:8888, "include cross-origin
 * credentials" on, signed in to Callgenly in the same browser (or run the UI with --ui-codec-endpoint).
 */
import express from 'express';
import helmet from 'helmet';
import { codecRoutes } from '../platform/temporal/codecServer';
import { errorHandler, notFound } from '../platform/http/errors';
import { listen } from '../platform/http/httpServer';
import { requestLogging } from '../platform/http/requestLogging';
import { loadConfig } from '../platform/config';
import { onShutdownSignal, runEntryPoint } from '../platform/lifecycle';
import { createLogger } from '../platform/logger';
import { createServices } from '../services';

async function main(): Promise<void> {
  const config = loadConfig(process.env, { require: ['DATABASE_URL'] });
  const logger = createLogger(config.logLevel, 'callgenly-codec');
  const services = await createServices(config, logger);
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogging(logger));
  app.use(helmet());
  app.use(codecRoutes(services));
  app.use(notFound);
  app.use(errorHandler);
  const http = await listen(app, config.http.host, config.codec.port);
  logger.info({ url: http.url, origins: config.codec.corsOrigins }, 'codec server listening');
  onShutdownSignal(logger, async () => {
    await http.close(5_000);
    await services.close();
  });
}

runEntryPoint(main);
