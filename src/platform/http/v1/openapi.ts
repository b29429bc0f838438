import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import type { RouteSpec } from './route';
import { ErrorBody } from './schemas';

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: the message and `field` name what is wrong',
  401: 'Not signed in, or a bad API key or credentials',
  403: 'Signed in, but not allowed (role, CSRF token, or API key where a person is needed)',
  404: 'No such resource in this organization',
  409: 'Conflicts with the current state',
  410: 'Gone: used or expired',
  413: 'Request body too large',
  422: 'Understood but not possible, e.g. a time that is not offered',
  429: 'Too many attempts; Retry-After says when to try again',
  503: 'A service we depend on (e.g. the connected calendar) failed; nothing was changed',
};

/**
 * The OpenAPI 3.1 document, built from the same route specs (and so the same zod schemas) the router
 * validates with. Served at /api/v1/openapi.json.
 */
export function buildOpenApiDocument(routes: readonly RouteSpec[], serverUrl: string) {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const errors = new Set<number>([400, ...(route.access === 'public' ? [] : [401, 403]), ...(route.errors ?? [])]);
    const operation: ZodOpenApiOperationObject = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      security: route.access === 'public' ? [] : route.access === 'person' ? [{ session: [] }] : [{ session: [] }, { apiKey: [] }],
      ...(route.access !== 'public' && route.access !== 'person' ? { 'x-required-role': route.access } : {}),
      requestParams: { ...(route.params ? { path: route.params as never } : {}), ...(route.query ? { query: route.query as never } : {}) },
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
      responses: {
        ...(route.file
          ? { '200': { description: route.file.description, content: { [route.file.contentType]: { schema: z.string().meta({ format: 'binary' }) } } } }
          : route.response
            ? { [String(route.response.status ?? 200)]: { description: route.response.description, content: { 'application/json': { schema: route.response.schema } } } }
            : { '204': { description: 'Done' } }),
        ...(route.raw && route.method === 'get' && !route.response && !route.file ? { '302': { description: 'Redirect to the provider' } } : {}),
        ...Object.fromEntries(
          [...errors].sort().map((status) => [String(status), { description: ERROR_DESCRIPTIONS[status]!, content: { 'application/json': { schema: ErrorBody } } }]),
        ),
      },
    };
    paths[route.path] = { ...paths[route.path], [route.method]: operation };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Callgenly admin API',
      version: '1.0.0',
      description:
        'Manage an organization\'s AI receptionist and see what it did. People sign in with a session cookie (state-changing requests also send X-CSRF-Token); programs send an API key as a bearer token.',
    },
    servers: [{ url: `${serverUrl}/api/v1` }],
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'cg_session', description: 'Set by sign-in; send X-CSRF-Token with it on POST/PATCH/PUT/DELETE' },
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (cg_live_…), created by an admin' },
      },
    },
  });
}
