import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config';
import { SESSION_COOKIE } from '../auth/request-viewer';

type OriginConfig = Pick<Config, 'publicUrl' | 'publicUrlConfigured'>;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const FOREIGN_ORIGIN_MESSAGE =
  "Requests signed in with the console's session cookie are accepted only from the console's own origin (BERTH_PUBLIC_URL); API clients send a token in Authorization: Bearer";

/**
 * Whether a request comes from the console's own origin, by its Origin header (else its Referer):
 * the origin of BERTH_PUBLIC_URL, or, when that is not configured, the origin the request was sent
 * to (its Host), so that opening the console at localhost rather than 127.0.0.1 still works. A page
 * on another origin (another port of the same host included) cannot forge either header, and a
 * request without both is refused: browsers send Origin on every WebSocket and state-changing request.
 */
export function fromConsoleOrigin(headers: IncomingHttpHeaders, config: OriginConfig): boolean {
  const claimed = originOf(headers.origin) ?? originOf(headers.referer);
  if (!claimed) return false;
  if (claimed.origin === new URL(config.publicUrl).origin) return true;
  return !config.publicUrlConfigured && headers.host !== undefined && claimed.host === headers.host;
}

/**
 * Whether the session cookie is what would authenticate a request: it carries the cookie and no
 * token of its own. A bearer token or an API key is sent deliberately by a client, never added
 * by a browser to another site's request, so token-authenticated calls are welcome from anywhere.
 */
export function signedInByCookie(authorization: string | undefined, apiKey: unknown, cookie: string | undefined): boolean {
  if (!cookie) return false;
  if (authorization && /^Bearer\s+\S+$/i.test(authorization)) return false;
  return apiKey === undefined;
}

/**
 * onRequest hook refusing (403) state-changing REST requests (uploads included, before their body
 * is read) that are signed in by the session cookie but come from another origin: a page on
 * another port of the same host is "same site", so SameSite=Lax alone does not stop it. GraphQL
 * does the same check per operation, since only its mutations change anything (graphql/server.ts).
 * Callback-style: an async hook would cost every predict request a promise.
 */
export function refuseForeignCookieRequests(config: OriginConfig) {
  return (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (SAFE_METHODS.has(request.method) || isGraphQLPath(request.url)) return done();
    if (!signedInByCookie(request.headers.authorization, request.headers['x-api-key'], request.cookies[SESSION_COOKIE])) return done();
    if (fromConsoleOrigin(request.headers, config)) return done();
    void reply.code(403).send({ error: FOREIGN_ORIGIN_MESSAGE, code: 'FORBIDDEN' });
  };
}

function isGraphQLPath(url: string): boolean {
  return url === '/graphql' || url.startsWith('/graphql?');
}

function originOf(value: string | string[] | undefined): URL | undefined {
  if (typeof value !== 'string' || value === 'null') return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
