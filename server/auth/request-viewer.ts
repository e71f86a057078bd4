import type { IncomingHttpHeaders } from 'node:http';
import { unauthenticated } from '../platform/errors';
import type { AuthService, Viewer } from './auth.service';
import type { Policy } from './policy';

/** The console's session cookie: an HttpOnly cookie holding a session token. */
export const SESSION_COOKIE = 'berth_session';

/**
 * What a request presents to prove who it is, whatever carried it: an HTTP request's headers
 * and cookies, or a WebSocket's connection parameters and upgrade headers.
 */
export interface RequestCredentials {
  /** `Authorization` header (HTTP) or `authorization` connection parameter (WebSocket). */
  authorization?: string;
  /** `X-API-Key`, or a deployment key sent as `Authorization: Bearer berth_key_…`. */
  apiKey?: string;
  /** The session cookie's value. */
  sessionCookie?: string;
}

/** The bearer secret of a request: `Authorization: Bearer …` first, else the session cookie. */
export function bearerFrom(authorization: string | undefined, cookie: string | undefined): string | undefined {
  const match = authorization?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1] ?? cookie;
}

/** `X-API-Key: …`, or a deployment key sent as `Authorization: Bearer …`. */
export function apiKeyFrom(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-api-key'];
  if (typeof header === 'string') return header;
  return headers.authorization?.match(/^Bearer\s+(berth_key_\S+)$/i)?.[1];
}

/** The session cookie in a raw `Cookie` header (a WebSocket upgrade has no parsed cookies). */
export function sessionCookieFrom(cookieHeader: string | undefined): string | undefined {
  for (const part of cookieHeader?.split(';') ?? []) {
    const [key, ...value] = part.trim().split('=');
    if (key !== SESSION_COOKIE) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      // A malformed cookie authenticates nobody; it must not fail the request.
      return undefined;
    }
  }
  return undefined;
}

/** The credentials of an HTTP request (`cookies` as parsed by @fastify/cookie). */
export function credentialsOf(request: { headers: IncomingHttpHeaders; cookies?: Record<string, string | undefined> }): RequestCredentials {
  return {
    authorization: request.headers.authorization,
    apiKey: apiKeyFrom(request.headers),
    sessionCookie: request.cookies?.[SESSION_COOKIE],
  };
}

/**
 * Turns a request's credentials into its viewer: one resolution for GraphQL over HTTP, graphql-ws
 * and the REST routes, so that a check added here (a cache, a refused account) holds on all three.
 * API keys are not viewers: they open one deployment, and serving checks them (serving/access.ts).
 */
export class RequestViewer {
  constructor(
    private readonly auth: Pick<AuthService, 'authenticate'>,
    private readonly policy: Pick<Policy, 'requireUser'>,
  ) {}

  /** The viewer of a bearer token or session cookie, or null (none, unknown, revoked, expired, disabled). */
  viewer(credentials: RequestCredentials): Promise<Viewer | null> {
    const secret = bearerFrom(credentials.authorization, credentials.sessionCookie);
    return secret ? this.auth.authenticate(secret) : Promise.resolve(null);
  }

  /**
   * The signed-in viewer of a REST request, refused as GraphQL refuses it: UNAUTHENTICATED
   * without valid credentials (`missing` says what to send), FORBIDDEN with reason
   * PASSWORD_CHANGE_REQUIRED while an admin-reset password is not yet changed (REST has no route
   * that leads to the change: that is `changePassword` over GraphQL).
   */
  async signedIn(credentials: RequestCredentials, missing?: string): Promise<Viewer> {
    const viewer = await this.viewer(credentials);
    if (!viewer) throw unauthenticated(missing);
    this.policy.requireUser(viewer);
    return viewer;
  }
}
