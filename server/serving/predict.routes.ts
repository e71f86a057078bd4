import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badInput, notFound, tooLarge } from '../platform/errors';
import type { Services } from '../services';
import { checkFeedbackAccess, checkPredictAccess, predictRateLimit, type AccessDeps, type ObserveDeps, type RateLimitDeps } from './access';
import { observePredictions, servePrediction } from './edge';
import { buildOpenApi } from './openapi';
import { notDeployed } from './prediction.service';
import { restCodec } from './rest.codec';

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
  const { registry } = services;

  app.post<{ Params: SlugParams; Body: unknown }>(
    '/api/v1/deployments/:slug/predict',
    { config: predictRateLimit(services), onResponse: observePredictions(services) },
    async (request) => servePrediction(services, restCodec, request, { slug: request.params.slug }),
  );

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
    return reply.send(buildOpenApi(serving, { publicUrl: services.config.publicUrl, maxRows: services.config.limits.predictRows, license: services.config.apiLicense }));
  });
}
