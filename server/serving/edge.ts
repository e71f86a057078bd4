import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Row } from '../ml/types';
import { DomainError, notFound } from '../platform/errors';
import type { Services } from '../services';
import { checkPredictAccess, type AccessDeps, type ObserveDeps } from './access';
import type { ServingSet } from './deployment-registry';
import { notDeployed, type PredictResult } from './prediction.service';

/**
 * One wire format of the predict edge: how a request body becomes rows and a prediction becomes
 * a response body. Everything between (access, validation against the feature schema, the lease,
 * the model call, outcomes, logging) is the edge's, so REST and V2 cannot drift apart again.
 */
export interface PredictCodec<Request extends { rows: Row[] }> {
  /**
   * Reads the body into rows for `set` (the serving set current when the request arrived: its
   * spec says which outputs exist). Throws a BAD_USER_INPUT DomainError naming the member at
   * fault on anything malformed; never walks a structure deeper than the format allows.
   */
  read(body: unknown, set: ServingSet): Request;
  /** The response body for a successful prediction of `request`. */
  write(result: PredictResult, request: Request): unknown;
}

/** What a predict request addresses. */
export interface PredictAddress {
  slug: string;
  /** A deployment version (V2's versioned paths); absent: whichever serves. */
  version?: number;
}

/** The services the edge uses. */
export type EdgeServices = AccessDeps & ObserveDeps & Pick<Services, 'predictions'>;

/**
 * Requests that reached the model (a prediction or a server-side failure of it), with their row
 * count: only those are timed in the per-model duration histogram and count rows, so a request
 * refused before any model call (401, 404, 400) tells nothing about the model's latency.
 */
const reachedModel = new WeakMap<FastifyRequest, number>();

/** The registry's own probe: past access checks, out of monitoring and outcomes. */
function isProbe(request: FastifyRequest, services: EdgeServices): boolean {
  return request.headers['x-berth-probe'] === services.registry.probeSecret;
}

/**
 * The predict pipeline both protocols share: lookup → access → validate (the codec's shape, then
 * the feature schema in the prediction service) → lease → predict → decode → record the outcome
 * → response (logging: the route hook below and the prediction log).
 */
export async function servePrediction<Request extends { rows: Row[] }>(
  services: EdgeServices,
  codec: PredictCodec<Request>,
  request: FastifyRequest,
  address: PredictAddress,
): Promise<unknown> {
  const { registry, predictions } = services;
  const entry = registry.bySlug(address.slug);
  if (!entry) throw notFound('Deployment', address.slug);
  const probe = isProbe(request, services);
  if (!probe) {
    const access = checkPredictAccess(request, entry.deployment, services);
    if (access) await access;
  }
  const current = entry.slot.value;
  if (!current) throw notDeployed(address.slug);
  const decoded = codec.read(request.body, current);
  // The console's web form says so, for the source column of monitoring.
  const source = request.headers['x-berth-source'] === 'form' ? 'form' : 'api';
  try {
    const result = await predictions.predict(entry, decoded.rows, { source, record: !probe, version: address.version });
    reachedModel.set(request, decoded.rows.length);
    const body = codec.write(result, decoded);
    // Probes have a status of their own; only clients' requests count as recent outcomes.
    if (!probe) registry.recordOutcome(entry.deployment.id, true);
    return body;
  } catch (error) {
    // A DomainError is the input's or the caller's fault (refused before the model); anything else failed on the server.
    if (!(error instanceof DomainError)) {
      reachedModel.set(request, 0);
      if (!probe) registry.recordOutcome(entry.deployment.id, false);
    }
    throw error;
  }
}

/**
 * Route hook counting each prediction request in the metrics and the usage, once its final
 * status is known (after the error mapping); probes and unknown slugs are not counted.
 * Callback-style: an async hook would cost every request a promise.
 */
export function observePredictions(services: EdgeServices) {
  return (request: FastifyRequest<{ Params: { slug: string } }>, reply: FastifyReply, done: () => void) => {
    // After the response, on whatever the client sent: a failure is counted and logged, never thrown.
    try {
      const entry = services.registry.bySlug(request.params.slug);
      if (entry && !isProbe(request, services)) {
        const rows = reachedModel.get(request);
        services.metrics.observeRequest(entry.deployment.slug, reply.statusCode, reply.elapsedTime / 1000, rows ?? 0, rows !== undefined);
        services.usage.recordRequest(entry.deployment.id, reply.elapsedTime, reply.statusCode < 500);
      }
    } catch (error) {
      services.metrics.countCaughtFailure('request_hook');
      request.log.error({ err: error }, 'counting a prediction request failed');
    }
    done();
  };
}
