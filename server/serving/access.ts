import type { FastifyRequest } from 'fastify';
import { DeploymentAccess, type Deployment } from '../deployments/deployment.entity';
import { hashToken } from '../auth/credentials';
import { apiKeyFrom, credentialsOf } from '../auth/request-viewer';
import { forbidden, unauthenticated } from '../platform/errors';
import type { Services } from '../services';

/** What the access checks of the prediction API use. */
export type AccessDeps = Pick<Services, 'deployments' | 'policy' | 'requestViewer'>;
/** What the rate limit of the prediction API uses. */
export type RateLimitDeps = Pick<Services, 'config' | 'deployments' | 'registry'>;
/** What counting prediction requests uses. */
export type ObserveDeps = Pick<Services, 'registry' | 'metrics' | 'usage'>;

/** `X-API-Key: …`, or a deployment key sent as `Authorization: Bearer …`. */
export function apiKeyOf(request: FastifyRequest): string | undefined {
  return apiKeyFrom(request.headers);
}

/**
 * Route config limiting predict requests per verified API key, else per client address; the
 * registry's own probes are never limited. Only a key the database knows gets a bucket of its
 * own: random keys would otherwise each open a fresh one. Unknown keys are remembered for a
 * while (deploymentOfKey), so sending them costs no database read either.
 */
export function predictRateLimit(services: RateLimitDeps) {
  return {
    rateLimit: {
      max: services.config.limits.predictRatePerMinute,
      timeWindow: 60_000,
      // Without a key, no promise: the common case of a public model stays synchronous.
      keyGenerator: (request: FastifyRequest): string | Promise<string> => {
        const key = apiKeyOf(request);
        return key === undefined ? `address:${request.ip}` : bucketOfKey(services, request, key);
      },
      allowList: (request: FastifyRequest) => request.headers['x-berth-probe'] === services.registry.probeSecret,
    },
  };
}

/**
 * The deployment of the request's API key (null: unknown or revoked), looked up once per request:
 * the rate limit and the access check both need it, and each lookup hashes the key.
 */
const keyDeployments = new WeakMap<FastifyRequest, Promise<string | null>>();
function deploymentOfRequestKey(deployments: Pick<Services, 'deployments'>['deployments'], request: FastifyRequest, key: string): Promise<string | null> {
  let lookup = keyDeployments.get(request);
  if (lookup === undefined) keyDeployments.set(request, (lookup = deployments.deploymentOfKey(key)));
  return lookup;
}

async function bucketOfKey(services: RateLimitDeps, request: FastifyRequest, key: string): Promise<string> {
  try {
    if ((await deploymentOfRequestKey(services.deployments, request, key)) !== null) return `key:${hashToken(key)}`;
  } catch (error) {
    // The database is away: the address still limits the caller, and the route answers the error itself.
    request.log.warn({ err: error }, 'could not verify an API key for the rate limit');
  }
  return `address:${request.ip}`;
}

/**
 * Who may call a deployment's prediction API: anyone (public); any signed-in user or token of
 * the instance (instance); the project's collaborators (project). An API key of the deployment
 * opens it at every level; a key of another deployment never does.
 */
export function checkPredictAccess(request: FastifyRequest, deployment: Deployment, services: AccessDeps): Promise<void> | undefined {
  // Public and no key: nothing to look up, nothing to await (the common case of a public model).
  if (deployment.access === DeploymentAccess.public && apiKeyOf(request) === undefined) return undefined;
  return checkCredentials(request, deployment, services);
}

async function checkCredentials(request: FastifyRequest, deployment: Deployment, services: AccessDeps): Promise<void> {
  const key = apiKeyOf(request);
  if (key) {
    const keyDeployment = await deploymentOfRequestKey(services.deployments, request, key);
    if (keyDeployment === deployment.id) return;
    if (keyDeployment) throw forbidden(`This API key belongs to another deployment`);
    throw unauthenticated('Unknown or revoked API key');
  }
  if (deployment.access === DeploymentAccess.public) return;
  // The same resolution as every other route: an account whose password an admin reset is refused here too.
  const viewer = await services.requestViewer.signedIn(credentialsOf(request), `Deployment ${deployment.slug} needs credentials: an API key (X-API-Key) or a bearer token`);
  if (deployment.access === DeploymentAccess.instance) return;
  if ((await services.policy.projectRole(viewer.user, deployment.projectId)) === null) {
    throw forbidden(`Deployment ${deployment.slug} is open to its project's collaborators and API keys only`);
  }
}

/**
 * Who may send ground truth: an API key of the deployment, or a signed-in user (or token) with
 * a role in its project, whatever the deployment's access level. Predicting from a public
 * deployment is open to anyone; rewriting the truth its performance charts are computed from is
 * not (anyone could overwrite anyone's feedback otherwise).
 */
export async function checkFeedbackAccess(request: FastifyRequest, deployment: Deployment, services: AccessDeps): Promise<void> {
  const key = apiKeyOf(request);
  if (key) {
    const keyDeployment = await deploymentOfRequestKey(services.deployments, request, key);
    if (keyDeployment === deployment.id) return;
    if (keyDeployment) throw forbidden(`This API key belongs to another deployment`);
    throw unauthenticated('Unknown or revoked API key');
  }
  const viewer = await services.requestViewer.signedIn(
    credentialsOf(request),
    `Feedback to ${deployment.slug} needs credentials: an API key of the deployment (X-API-Key) or a bearer token of a project collaborator`,
  );
  if ((await services.policy.projectRole(viewer.user, deployment.projectId)) === null) {
    throw forbidden(`Feedback to ${deployment.slug} is open to its project's collaborators and API keys only`);
  }
}
