import type { FastifyInstance } from 'fastify';
import type { Config } from '../config';

/** The prediction routes: the hot path, where a log line per request costs more than the prediction. */
const PREDICT_ROUTES = new Set(['/api/v1/deployments/:slug/predict', '/v2/models/:slug/infer']);

/**
 * One line per request when it completes, instead of Fastify's two (incoming + completed). The
 * prediction routes log nothing by default (a 10-second load test printed 131 000 lines); with
 * BERTH_ACCESS_LOG=on they log a sampled share (BERTH_ACCESS_LOG_SAMPLE, each line says the
 * rate so counts can be scaled back). Failures the server caused are logged by the error handler.
 */
export function mountAccessLog(app: FastifyInstance, settings: Config['accessLog']): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    const predict = route !== undefined && PREDICT_ROUTES.has(route);
    if (predict && (!settings.predict || Math.random() >= settings.sampleRate)) return;
    request.log.info(
      { method: request.method, url: request.url, route, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, ...(predict ? { sampled: settings.sampleRate } : {}) },
      predict ? 'predict request (sampled)' : 'request completed',
    );
  });
}
