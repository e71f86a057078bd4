import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Row } from '../ml/types';
import { badInput, DomainError, notFound, tooLarge } from '../platform/errors';
import type { Services } from '../services';
import { checkFeedbackAccess, checkPredictAccess, observePredictions, predictRateLimit, type AccessDeps, type ObserveDeps, type RateLimitDeps } from './access';
import { buildOpenApi } from './openapi';

/** What the prediction routes use. */
export type PredictRouteDeps = AccessDeps & RateLimitDeps & ObserveDeps & Pick<Services, 'predictions' | 'predictionLog' | 'monitoring'>;

interface SlugParams {
  slug: string;
}

/**
 * The public prediction API (this contract is public: keep it exactly):
 * POST /api/v1/deployments/{slug}/predict with {"inputs": {…}} or {"inputs": [{…}, …]}.
 */
export function mountPredictRoutes(app: FastifyInstance, services: PredictRouteDeps): void {
  const { registry, predictions } = services;

  const onResponse = observePredictions(services, (body) => {
    const inputs = (body as { inputs?: unknown } | null)?.inputs;
    return Array.isArray(inputs) ? inputs.length : 1;
  });
  app.post<{ Params: SlugParams; Body: unknown }>('/api/v1/deployments/:slug/predict', { config: predictRateLimit(services), onResponse }, async (request, reply) => {
    const entry = registry.bySlug(request.params.slug);
    const probe = request.headers['x-berth-probe'] === registry.probeSecret;
    if (!entry) throw notFound('Deployment', request.params.slug);
    const access = probe ? undefined : checkPredictAccess(request, entry.deployment, services);
    if (access) await access;
    const rows = inputRows(request.body);
    const lease = entry.slot.current();
    if (!lease) throw notDeployed(request.params.slug);
    // Probes have a status of their own; only clients' requests count as recent outcomes.
    try {
      // The console's web form says so, for the source column of monitoring.
      const source = request.headers['x-berth-source'] === 'form' ? 'form' : 'api';
      const response = await predictions.predict(lease, rows, source, !probe);
      if (!probe) registry.recordOutcome(entry.deployment.id, true);
      return reply.send(response);
    } catch (error) {
      if (!probe && !(error instanceof DomainError)) registry.recordOutcome(entry.deployment.id, false);
      throw error;
    }
  });

  /** Ground truth: {"requestId", "row"?, "actual"} or {"feedback": [{…}, …]}, from a key of the deployment or a project collaborator. */
  app.post<{ Params: SlugParams; Body: unknown }>('/api/v1/deployments/:slug/feedback', { config: predictRateLimit(services) }, async (request, reply) => {
    const entry = registry.bySlug(request.params.slug);
    const deployment = entry?.deployment ?? (await services.deployments.bySlug(request.params.slug));
    if (!deployment) throw notFound('Deployment', request.params.slug);
    await checkFeedbackAccess(request, deployment, services);
    const body = request.body as { feedback?: unknown } | null;
    const items = Array.isArray(body?.feedback) ? body.feedback : [body];
    if (items.length === 0) throw badInput('feedback', 'send at least one item');
    if (items.length > services.config.limits.predictRows) throw tooLarge('feedback', `${items.length} items; the limit is ${services.config.limits.predictRows}`);
    // A client may send the truth right after the prediction: make sure this server's rows are stored.
    await services.predictionLog.flush();
    const accepted = await services.monitoring.recordFeedback(deployment, items as Array<{ requestId: string; row?: number; actual: unknown }>);
    return reply.send({ accepted });
  });

  app.get<{ Params: SlugParams }>('/api/v1/deployments/:slug/openapi.json', async (request: FastifyRequest<{ Params: SlugParams }>, reply: FastifyReply) => {
    const entry = registry.bySlug(request.params.slug);
    if (!entry) throw notFound('Deployment', request.params.slug);
    await checkPredictAccess(request, entry.deployment, services);
    const serving = entry.slot.value;
    if (!serving) throw notDeployed(request.params.slug);
    return reply.send(buildOpenApi(serving, services.config.publicUrl));
  });
}

/** `{"inputs": {…}}` is one row, `{"inputs": [{…}, …]}` several. */
export function inputRows(body: unknown): Row[] {
  const inputs = (body as { inputs?: unknown } | null)?.inputs;
  if (Array.isArray(inputs)) {
    if (inputs.length === 0) throw badInput('inputs', 'send at least one row');
    return inputs as Row[];
  }
  if (inputs !== null && typeof inputs === 'object') return [inputs as Row];
  throw badInput('inputs', 'send {"inputs": {feature: value, …}} for one row or {"inputs": [{…}, …]} for several');
}

export const notDeployed = (slug: string) => new DomainError('UNAVAILABLE', `Deployment ${slug} has no model loaded yet; try again shortly`);
