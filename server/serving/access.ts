import type { FastifyReply, FastifyRequest } from 'fastify';
import { DeploymentAccess, type Deployment } from '../deployments/deployment.entity';
import { hashToken } from '../auth/credentials';
import { viewerOf } from '../http/authenticate';
import { forbidden, unauthenticated } from '../platform/errors';
import type { Services } from '../services';

/** `X-API-Key: …`, or a deployment key sent as `Authorization: Bearer …`. */
export function apiKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string') return header;
  const bearer = request.headers.authorization?.match(/^Bearer\s+(berth_key_\S+)$/i)?.[1];
  return bearer;
}

/**
 * Route config limiting predict requests per API key, else per client address; the
 * registry's own probes are never limited.
 */
export function predictRateLimit(services: Services) {
  return {
    rateLimit: {
      max: services.config.limits.predictRatePerMinute,
      timeWindow: 60_000,
      keyGenerator: (request: FastifyRequest) => {
        const key = apiKeyOf(request);
        return key ? `key:${hashToken(key)}` : `address:${request.ip}`;
      },
      allowList: (request: FastifyRequest) => request.headers['x-berth-probe'] === services.registry.probeSecret,
    },
  };
}

/**
 * Route hook counting each prediction request in the metrics and the usage, once its final
 * status is known (after the error mapping); probes and unknown slugs are not counted.
 * Callback-style: an async hook would cost every request a promise.
 */
export function observePredictions(services: Services, rowsOf: (body: unknown) => number) {
  return (request: FastifyRequest<{ Params: { slug: string } }>, reply: FastifyReply, done: () => void) => {
    const entry = services.registry.bySlug(request.params.slug);
    if (entry && request.headers['x-berth-probe'] !== services.registry.probeSecret) {
      services.metrics.observeRequest(entry.deployment.slug, reply.statusCode, reply.elapsedTime / 1000, rowsOf(request.body));
      services.usage.recordRequest(entry.deployment.id, reply.elapsedTime, reply.statusCode < 500);
    }
    done();
  };
}

/**
 * Who may call a deployment's prediction API: anyone (public); any signed-in user or token of
 * the instance (instance); the project's collaborators (project). An API key of the deployment
 * opens it at every level; a key of another deployment never does.
 */
export function checkPredictAccess(request: FastifyRequest, deployment: Deployment, services: Services): Promise<void> | undefined {
  // Public and no key: nothing to look up, nothing to await (the common case of a public model).
  if (deployment.access === DeploymentAccess.public && apiKeyOf(request) === undefined) return undefined;
  return checkCredentials(request, deployment, services);
}

async function checkCredentials(request: FastifyRequest, deployment: Deployment, services: Services): Promise<void> {
  const key = apiKeyOf(request);
  if (key) {
    const keyDeployment = await services.deployments.deploymentOfKey(key);
    if (keyDeployment === deployment.id) return;
    if (keyDeployment) throw forbidden(`This API key belongs to another deployment`);
    throw unauthenticated('Unknown or revoked API key');
  }
  if (deployment.access === DeploymentAccess.public) return;
  const viewer = await viewerOf(request, services);
  if (!viewer) throw unauthenticated(`Deployment ${deployment.slug} needs credentials: an API key (X-API-Key) or a bearer token`);
  if (deployment.access === DeploymentAccess.instance) return;
  if ((await services.policy.projectRole(viewer.user, deployment.projectId)) === null) {
    throw forbidden(`Deployment ${deployment.slug} is open to its project's collaborators and API keys only`);
  }
}
