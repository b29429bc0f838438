import { REGISTRY } from '../../src/domains';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Router } from 'express';
import request from 'supertest';
import { v1Router } from '../../src/platform/http/v1/router';
import { PROJECT_ROOT } from '../../src/platform/config';
import { startApi } from '../helpers/api';

let api: Awaited<ReturnType<typeof startApi>>;
let document: { openapi: string; paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>> };
beforeAll(async () => {
  api = await startApi();
  document = (await request(api.app).get('/api/v1/openapi.json').expect(200)).body;
});
afterAll(() => api.close());

/** The validator is an ES module; jest runs CommonJS, so it runs in a plain node process. */
function validate(doc: unknown): { valid: boolean; errors?: unknown } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'openapi-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(doc));
  const script = `import { Validator } from '@seriousme/openapi-schema-validator';
    const v = new Validator(); const r = await v.validate(process.argv[1]);
    process.stdout.write(JSON.stringify({ valid: r.valid, errors: r.errors, version: v.version }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, file], { cwd: PROJECT_ROOT, encoding: 'utf8' }));
}

/** Every method + path the /api/v1 router actually serves, read from Express's own route table. */
function servedRoutes(router: Router): string[] {
  const found: string[] = [];
  const walk = (stack: Array<{ route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown[] } }>, prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) found.push(`${method} ${prefix}${layer.route.path}`);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack as never, prefix);
      }
    }
  };
  walk((router as unknown as { stack: never[] }).stack, '');
  return found;
}

test('the OpenAPI document is valid OpenAPI 3.1, checked by a real validator', () => {
  expect(document.openapi).toBe('3.1.0');
  const result = validate(document);
  expect(result.errors).toBeUndefined();
  expect(result.valid).toBe(true);
});

test('the validator does catch a broken document', () => {
  const broken = JSON.parse(JSON.stringify(document));
  broken.paths['/organization'].get.responses = 'none';
  expect(validate(broken).valid).toBe(false);
});

test('every route the API serves under /api/v1 is in the document, and nothing else', () => {
  const served = servedRoutes(v1Router(api.services, REGISTRY))
    .filter((r) => r !== 'get /openapi.json')
    .map((r) => r.replace(/:(\w+)/g, '{$1}'))
    .sort();
  const documented = Object.entries(document.paths)
    .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`))
    .sort();
  expect(served).toEqual(documented);
  expect(documented.length).toBeGreaterThanOrEqual(25);
});

test('the document describes request validation, errors and security from the handlers\' own schemas', () => {
  const signUp = document.paths['/auth/signup']!.post as unknown as { requestBody: { content: { 'application/json': { schema: unknown } } }; security: unknown[] };
  expect(JSON.stringify(signUp.requestBody)).toContain('"minLength":12');
  expect(signUp.security).toEqual([]);
  const patch = document.paths['/organization']!.patch!;
  expect(patch.security).toEqual([{ session: [] }, { apiKey: [] }]);
  expect(Object.keys(patch.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
});
