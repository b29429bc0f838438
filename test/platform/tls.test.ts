import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { createApp } from '../../src/app';
import { listen, type RunningHttpServer } from '../../src/platform/http/httpServer';
import type { Services } from '../../src/services';
import { testConfig, testServices } from '../helpers/stack';

/**
 * The API terminating TLS itself (TLS_CERT_PATH, TLS_KEY_PATH): TLS 1.3 only, checked with Node's own TLS
 * client: a 1.2 client is refused in the handshake, a 1.3 client is served, with HSTS.
 */
let services: Services;
let http: RunningHttpServer;
let cert: string;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-'));
  cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-days', '1'], { stdio: 'ignore' });
  services = await testServices(testConfig({ TLS_CERT_PATH: cert, TLS_KEY_PATH: key }));
  http = await listen(createApp(services), '127.0.0.1', 0, { certPath: services.config.http.tlsCertPath!, keyPath: services.config.http.tlsKeyPath! });
});
afterAll(async () => {
  await http?.close(100);
  await services?.close();
});

function handshake(version: 'TLSv1.2' | 'TLSv1.3'): Promise<TLSSocket> {
  const { port } = new URL(http.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port), servername: 'localhost', ca: readFileSync(cert), minVersion: version, maxVersion: version }, () => resolve(socket));
    socket.once('error', reject);
  });
}

test('a TLS 1.2 client is refused; a TLS 1.3 client is served over HTTPS, with HSTS', async () => {
  expect(http.url).toMatch(/^https:\/\//);
  await expect(handshake('TLSv1.2')).rejects.toThrow(/protocol version|alert/i);
  const socket = await handshake('TLSv1.3');
  expect(socket.getProtocol()).toBe('TLSv1.3');
  const answer = await new Promise<string>((resolve) => {
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('end', () => resolve(data));
    socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  });
  expect(answer).toMatch(/^HTTP\/1\.1 200/);
  expect(answer).toMatch(/strict-transport-security: max-age=\d+/i);
});

test('a certificate without its key is a configuration error', () => {
  expect(() => testConfig({ TLS_CERT_PATH: cert })).toThrow(/TLS_CERT_PATH and TLS_KEY_PATH must be set together/);
});
