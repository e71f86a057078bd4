import fastifyCookie from '@fastify/cookie';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import { mountExperimentRoutes } from '../experiments/experiment.routes';
import { mountMetricsRoute } from './metrics.routes';
import { mountInferenceV2Routes } from '../serving/inference-v2.routes';
import { mountPredictRoutes } from '../serving/predict.routes';
import { mountPipelineRoutes } from '../pipelines/pipeline.routes';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config';
import { mountGraphQL } from '../graphql/server';
import { asDomainError, HTTP_STATUS } from '../platform/errors';
import type { Logger } from '../platform/logger';
import type { Services } from '../services';
import { mountConsole } from './console';
import { mountAccessLog } from './access-log';
import { mountHealth, type ReadinessCheck } from './health.routes';
import { refuseForeignCookieRequests } from './origins';

export interface HttpDependencies {
  config: Config;
  logger: Logger;
  services: Services;
  schema: GraphQLSchema;
  readiness: ReadinessCheck;
}

/** One Fastify server for GraphQL (HTTP and WebSocket), REST routes and health checks. */
export async function createHttpApp({ config, logger, services, schema, readiness }: HttpDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.limits.bodyBytes,
    // Lets in-flight requests finish on close (graceful shutdown) while refusing new ones.
    return503OnClosing: true,
    // One line per request from access-log.ts instead; none per prediction unless asked for.
    logController: new LogController({ disableRequestLogging: true }),
  });
  await app.register(fastifyCookie);
  // Before any route (and any upload body): a cookie-signed state change must come from the console.
  app.addHook('onRequest', refuseForeignCookieRequests(config));

  app.setErrorHandler((error, request, reply) => {
    const domain = asDomainError(error);
    if (domain) {
      return reply.status(HTTP_STATUS[domain.code]).send({ error: domain.message, code: domain.code, ...domain.details });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.status(status).send({ error: (error as Error).message, code: (error as { code?: string }).code });
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.status(500).send({ error: 'Internal server error' });
  });

  // One byte over the limit reaches the artifact store, which refuses it with a clear 413.
  await app.register(fastifyMultipart, { limits: { fileSize: config.limits.uploadBytes + 1, files: 1 } });

  mountAccessLog(app, config.accessLog);
  mountHealth(app, readiness);
  mountMetricsRoute(app, services.metrics, config.metricsToken);
  await app.register(fastifyRateLimit, { global: false });
  // Each route gets the few services it uses, not the container.
  const { policy, requestViewer, registry, deployments, predictions, metrics, usage } = services;
  const access = { policy, requestViewer, deployments, registry, config, metrics, usage, predictions };
  mountExperimentRoutes(app, { config, policy, requestViewer, datasets: services.datasets, experiments: services.experiments });
  mountPredictRoutes(app, { ...access, predictionLog: services.predictionLog, monitoring: services.monitoring });
  mountInferenceV2Routes(app, access);
  mountPipelineRoutes(app, { policy, requestViewer, pipelines: services.pipelines });
  await mountGraphQL(app, schema, services, config, logger);
  if (config.serveConsole) await mountConsole(app, logger);
  return app;
}
