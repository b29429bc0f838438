import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { ConfigError, ENV_VARIABLES, loadConfig } from '../../src/platform/config';
import { generateMasterKeySpec } from '../../src/platform/crypto/masterKeys';

const key = generateMasterKeySpec('k1');

function problems(env: Record<string, string>, require: Parameters<typeof loadConfig>[1] = {}): string {
  try {
    loadConfig(env, require);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
}

test('defaults make a working local configuration', () => {
  const config = loadConfig({});
  expect(config.http.port).toBe(3000);
  expect(config.http.publicBaseUrl).toBe('http://localhost:3000');
  expect(config.temporal).toMatchObject({ namespace: 'default', taskQueue: 'callgenly', tls: false });
});

test('each malformed variable is named, on one line, without echoing secrets', () => {
  const message = problems({
    PORT: 'eighty',
    DATABASE_URL: 'mysql://secret@db/x',
    TEMPORAL_ADDRESS: 'no-port',
    MASTER_KEY: 'k1:tooshort',
    LOG_LEVEL: 'loud',
  });
  expect(message.split('\n')).toHaveLength(1);
  expect(message).toMatch(/PORT /);
  expect(message).toMatch(/DATABASE_URL must be a postgres:\/\/ URL \(got "<redacted>"\)/);
  expect(message).toMatch(/TEMPORAL_ADDRESS must be host:port \(got "no-port"\)/);
  expect(message).toMatch(/MASTER_KEY key "k1" must decode to 32 bytes/);
  expect(message).toMatch(/LOG_LEVEL /);
  expect(message).not.toContain('secret');
  expect(message).not.toContain('tooshort');
});

test('required variables are named when missing', () => {
  expect(problems({}, { require: ['DATABASE_URL'] })).toBe('Invalid configuration: DATABASE_URL is required');
  expect(problems({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x@y/z' })).toBe(
    'Invalid configuration: MASTER_KEY is required; TWILIO_AUTH_TOKEN is required; SESSION_SECRET is required',
  );
  expect(problems({ TEMPORAL_TLS_CERT_PATH: '/c.pem' })).toMatch(/TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together/);
});

test('an API key or client certificate implies TLS to Temporal', () => {
  expect(loadConfig({ TEMPORAL_API_KEY: 'abc' }).temporal.tls).toBe(true);
  expect(loadConfig({ MASTER_KEY: key, MASTER_KEYS_RETIRED: `${generateMasterKeySpec('k0')},${generateMasterKeySpec('kx')}` }).masterKeys.retired.map((k) => k.id)).toEqual(['k0', 'kx']);
});

test('an entry point with bad configuration exits 78 with one line naming the variable', () => {
  const result = spawnSync(process.execPath, [path.join(__dirname, '../../node_modules/tsx/dist/cli.mjs'), path.join(__dirname, '../../src/server.ts')], {
    env: { PATH: process.env.PATH, PORT: '99999', DATABASE_URL: 'postgres://u@127.0.0.1:1/x' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(result.status).toBe(78);
  expect(result.stderr.trim()).toBe('Invalid configuration: PORT must be between 1 and 65535 (got "99999")');
});

test('.env.example documents every variable, with a comment, and nothing else', () => {
  const lines = readFileSync(path.join(__dirname, '../../.env.example'), 'utf8').split('\n');
  const documented = lines.map((l) => /^#? ?([A-Z][A-Z0-9_]+)=/.exec(l)?.[1]).filter((v): v is string => Boolean(v));
  expect([...new Set(documented)].sort()).toEqual([...ENV_VARIABLES].sort());
  for (const name of ENV_VARIABLES) {
    const at = lines.findIndex((l) => new RegExp(`^#? ?${name}=`).test(l));
    expect({ name, comment: lines[at - 1]?.startsWith('#') }).toEqual({ name, comment: true });
  }
});
