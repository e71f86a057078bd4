import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import ipaddr from 'ipaddr.js';
import type { Metrics } from '../telemetry/metrics';

/**
 * `GET /metrics` in the Prometheus text format. Series name every deployment (project-only ones
 * too), so they are not public: with a token, scrapers must send `Authorization: Bearer <token>`;
 * without one, only clients on this machine (loopback) are answered. A request a reverse proxy
 * forwarded (it carries `Forwarded`, `X-Forwarded-For` or `X-Real-IP`) counts as remote even when
 * the proxy runs on this machine.
 */
export function mountMetricsRoute(app: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  const expected = token === undefined ? undefined : digest(token);
  app.get('/metrics', async (request, reply) => {
    if (expected !== undefined) {
      const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
      // Digests have one length, so the comparison takes the same time whatever was sent.
      if (!match || !timingSafeEqual(digest(match[1].trim()), expected)) {
        return reply.status(401).header('www-authenticate', 'Bearer realm="metrics"').send({ error: 'Send Authorization: Bearer <BERTH_METRICS_TOKEN> to read metrics' });
      }
    } else if (!fromThisMachine(request)) {
      return reply.status(403).send({ error: 'Metrics are served only to this machine (loopback) unless BERTH_METRICS_TOKEN is set; set it and scrape with Authorization: Bearer <token>' });
    }
    return reply.type(metrics.register.contentType).send(await metrics.register.metrics());
  });
}

function fromThisMachine(request: FastifyRequest): boolean {
  const { headers } = request;
  if (headers.forwarded !== undefined || headers['x-forwarded-for'] !== undefined || headers['x-real-ip'] !== undefined) return false;
  const address = request.socket.remoteAddress;
  if (!address || !ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address); // ::ffff:127.0.0.1 → 127.0.0.1
  return parsed.range() === 'loopback';
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
