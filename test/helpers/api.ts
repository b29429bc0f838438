import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/app';
import type { Services } from '../../src/services';
import { testConfig, testServices } from './stack';

export const PASSWORD = 'correct horse battery staple';

export function uniqueEmail(tag: string): string {
  return `${tag}.${randomBytes(4).toString('hex')}@example.com`;
}

/** The API on the shared test stack, with its own services (and so its own configuration). */
export async function startApi(env: Record<string, string> = {}): Promise<{ services: Services; app: Express; close(): Promise<void> }> {
  const services = await testServices(testConfig(env));
  return { services, app: createApp(services), close: () => services.close() };
}

/**
 * A browser against the API: keeps cookies like one, and sends the CSRF token it was given with every
 * state-changing request (as the admin UI's script would).
 */
export class Browser {
  readonly agent: TestAgent;
  csrf?: string;
  info?: { user: { id: string; email: string }; organization: { id: string; role: string } };

  constructor(readonly app: Express, private readonly ip = '127.0.0.1') {
    this.agent = request.agent(app);
  }

  /** Creates an account and its organization; the browser is then signed in as its owner. */
  async signUp(input: { email?: string; password?: string; orgName?: string; timeZone?: string } = {}) {
    const res = await this.post('/api/v1/auth/signup', {
      ageConfirmed: true,
      email: input.email ?? uniqueEmail('owner'),
      password: input.password ?? PASSWORD,
      name: 'Test Owner',
      organization: { name: input.orgName ?? 'Test Clinic', timeZone: input.timeZone ?? 'America/Chicago' },
    });
    if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
    return this.remember(res);
  }

  async signIn(email: string, password = PASSWORD, organizationId?: string) {
    const res = await this.post('/api/v1/auth/signin', { email, password, ...(organizationId ? { organizationId } : {}) });
    if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
    return this.remember(res);
  }

  remember(res: request.Response) {
    this.csrf = res.body.csrfToken;
    this.info = res.body;
    return res.body as { user: { id: string; email: string }; organization: { id: string; role: string }; csrfToken: string };
  }

  get(path: string) {
    return this.agent.get(path).set('X-Forwarded-For', this.ip);
  }
  post(path: string, body?: unknown) {
    return this.withCsrf(this.agent.post(path)).send(body as object);
  }
  put(path: string, body?: unknown) {
    return this.withCsrf(this.agent.put(path)).send(body as object);
  }
  patch(path: string, body?: unknown) {
    return this.withCsrf(this.agent.patch(path)).send(body as object);
  }
  delete(path: string) {
    return this.withCsrf(this.agent.delete(path));
  }

  private withCsrf(req: request.Test) {
    req.set('X-Forwarded-For', this.ip);
    return this.csrf ? req.set('X-CSRF-Token', this.csrf) : req;
  }
}

export function randomIp(): string {
  const b = randomBytes(3);
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}
