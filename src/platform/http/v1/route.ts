import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import type { AuthContext } from '../../../accounts/auth/context';
import { hasRole, type Role } from '../../../accounts/auth/roles';
import { InvalidCursorError } from '../../db/pagination';
import { ApiError } from '../errors';
import { assertCleanText } from '../textInput';
import type { LimitedAction } from '../../../accounts/auth/rateLimits';
import { CSRF_HEADER } from '../../../accounts/auth/sessionCookies';
import type { V1Deps } from './deps';

/**
 * Who may call a route: anyone; any signed-in person (a session, not an API key); or a member of the
 * organization with at least the given role (a session, or an API key, which acts as an admin).
 */
export type Access = 'public' | 'person' | Role;

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 422 | 429 | 503;

export interface HandlerContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Present on every route whose access is not 'public'. */
  auth: AuthContext;
  req: Request;
  res: Response;
  deps: V1Deps;
}

/**
 * One endpoint: its method and path, who may call it, the zod schemas it validates with and answers with,
 * and its handler. The Express router and the OpenAPI document are both built from these, so the document
 * cannot drift from what the handlers accept.
 */
export interface RouteSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** OpenAPI-style path below /api/v1, e.g. `/members/{userId}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Omitted: the route answers 204 with no body. */
  response?: { status?: 200 | 201 | 202; schema: R; description: string };
  /** Error statuses worth documenting beyond the ones every route can give. */
  errors?: ErrorStatus[];
  rateLimit?: LimitedAction;
  /** Routes that redirect a browser (single sign-on) or send a file write their own response. */
  raw?: boolean;
  /** A raw route's file answer, for the OpenAPI document. */
  file?: { contentType: string; description: string };
  handle(ctx: HandlerContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<z.input<R> | void> | z.input<R> | void;
}

export function defineRoute<P extends z.ZodType = z.ZodObject<{}>, Q extends z.ZodType = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined, R extends z.ZodType = z.ZodVoid>(
  spec: RouteSpec<P, Q, B, R>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** `/members/{userId}` → `/members/:userId` */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

export function mountRoute(router: Router, spec: RouteSpec, deps: V1Deps, limiters: Record<LimitedAction, RequestHandler[]>): void {
  const handler: RequestHandler = async (req, res) => {
    assertCleanText(req.params, 'path');
    const auth = authorize(spec, req, deps);
    const ctx: HandlerContext<unknown, unknown, unknown> = {
      params: parse(spec.params, req.params, 'path'),
      query: parse(spec.query, req.query, 'query'),
      body: parse(spec.body, req.body, 'body'),
      auth: auth!,
      req,
      res,
      deps,
    };
    let result: unknown;
    try {
      result = await spec.handle(ctx as never);
    } catch (err) {
      if (err instanceof InvalidCursorError) throw new ApiError(400, 'invalid_request', err.message, 'cursor');
      throw err;
    }
    if (spec.raw) return;
    if (!spec.response) {
      res.status(204).end();
      return;
    }
    // Answering through the schema drops anything it does not name: a row's secret columns never leak.
    res.status(spec.response.status ?? 200).json(spec.response.schema.parse(result));
  };
  router[spec.method](expressPath(spec.path), ...(spec.rateLimit ? limiters[spec.rateLimit] : []), handler);
}

function authorize(spec: RouteSpec, req: Request, deps: V1Deps): AuthContext | undefined {
  if (spec.access === 'public') return req.auth;
  const auth = req.auth;
  if (!auth) throw new ApiError(401, 'unauthenticated', 'Sign in or send an API key');
  if (spec.access === 'person' && auth.kind !== 'session') throw new ApiError(403, 'session_required', 'This endpoint needs a signed-in person, not an API key');
  if (spec.access !== 'person' && !hasRole(auth.role, spec.access)) {
    throw new ApiError(403, 'forbidden', `This needs the ${spec.access} role; you are ${auth.role === 'admin' ? 'an' : 'a'} ${auth.role}`);
  }
  // Cookies ride along on cross-site requests; the CSRF token, which another site cannot read, does not.
  if (auth.kind === 'session' && req.method !== 'GET' && req.method !== 'HEAD') {
    const expected = deps.tokens.csrfToken(auth.sessionId!);
    if (req.header(CSRF_HEADER) !== expected) throw new ApiError(403, 'csrf_failed', `Missing or wrong ${CSRF_HEADER} header`);
  }
  return auth;
}

function parse(schema: z.ZodType | undefined, value: unknown, where: 'path' | 'query' | 'body'): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : where;
  if (where === 'path') throw new ApiError(404, 'not_found', 'No such resource');
  throw new ApiError(400, 'invalid_request', `${field}: ${issue.message}`, field);
}
