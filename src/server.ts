import type { RequestHandler } from 'express';
import { createApp } from './app';
import { consoleFiles } from './platform/http/console';
import { listen, type RunningHttpServer } from './platform/http/httpServer';
import { loadConfig } from './platform/config';
import { onShutdownSignal, runEntryPoint } from './platform/lifecycle';
import { createLogger } from './platform/logger';
import { createServices, type Services } from './services';
import { installTemporalRuntime } from './platform/temporal/runtime';

/** The API, and the console's build when there is one (`npm run console:build`), or the handler given. */
export function startApi(services: Services, console: RequestHandler | undefined = consoleFiles()): Promise<RunningHttpServer> {
  const app = createApp(services, { console });
  const { host, port, tlsCertPath, tlsKeyPath } = services.config.http;
  return listen(app, host, port, tlsCertPath && tlsKeyPath ? { certPath: tlsCertPath, keyPath: tlsKeyPath } : undefined);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env, { require: ['DATABASE_URL'] });
  const logger = createLogger(config.logLevel, 'callgenly-api');
  installTemporalRuntime(logger);
  const services = await createServices(config, logger);
  const http = await startApi(services);
  logger.info({ url: http.url }, 'API listening');
  onShutdownSignal(logger, async () => {
    await http.close(config.shutdownGraceMs);
    await services.close();
  });
}

if (require.main === module) runEntryPoint(main);
