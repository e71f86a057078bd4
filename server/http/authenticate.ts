import type { FastifyRequest } from 'fastify';
import type { Viewer } from '../auth/auth.service';
import { bearerFrom, SESSION_COOKIE } from '../graphql/context';
import type { Services } from '../services';

/** The viewer of an HTTP request: `Authorization: Bearer …`, else the console's session cookie. */
export async function viewerOf(request: FastifyRequest, services: Services): Promise<Viewer | null> {
  const secret = bearerFrom(request.headers.authorization, request.cookies[SESSION_COOKIE]);
  return secret ? services.auth.authenticate(secret) : null;
}
