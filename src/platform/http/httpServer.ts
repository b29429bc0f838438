import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Express } from 'express';

export interface RunningHttpServer {
  server: Server;
  url: string;
  /** Stops accepting connections and waits for in-flight requests, up to `graceMs`. */
  close(graceMs: number): Promise<void>;
}

/**
 * The API's server: plain HTTP behind a proxy that terminates TLS, or, given a certificate and key
 * (TLS_CERT_PATH, TLS_KEY_PATH), HTTPS itself with TLS 1.3 as the minimum (an older client is refused in the
 * handshake). helmet sends HSTS either way.
 */
export function listen(app: Express, host: string, port: number, tls?: { certPath: string; keyPath: string }): Promise<RunningHttpServer> {
  const server: Server = tls ? createTlsServer({ cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath), minVersion: 'TLSv1.3' }, app) : createServer(app);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      resolve({
        server,
        url: `${tls ? 'https' : 'http'}://${shownHost}:${actualPort}`,
        close: (graceMs) =>
          new Promise<void>((done) => {
            const force = setTimeout(() => server.closeAllConnections(), graceMs);
            server.close(() => {
              clearTimeout(force);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
