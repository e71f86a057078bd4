import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, notFound } from '../platform/errors';
import type { Services } from '../services';
import { checkPredictAccess, predictRateLimit, type AccessDeps, type ObserveDeps, type RateLimitDeps } from './access';
import { observePredictions, servePrediction } from './edge';
import { notDeployed } from './prediction.service';
import { modelMetadata, v2Codec } from './v2.codec';

/** What the V2 routes use. */
export type InferenceV2RouteDeps = AccessDeps & RateLimitDeps & ObserveDeps & Pick<Services, 'predictions'>;

interface ModelParams {
  slug: string;
  version?: string;
}

/**
 * The Open Inference Protocol V2 over REST (KServe, MLServer, Triton): server and model
 * metadata, health, and inference, with or without a version in the path. A model is a
 * deployment; its version is the deployment version (the one `deployModelVersion` made current),
 * so `/versions/{n}` answers only while version n serves. Inference goes through the same edge as
 * REST (access, the feature schema, outcomes, metrics); the wire format is v2.codec.ts.
 */
export function mountInferenceV2Routes(app: FastifyInstance, services: InferenceV2RouteDeps): void {
  const { registry } = services;

  /** The deployment behind a model path, after the access check, with its current set (and the path's version, when given, checked against it). */
  const servingOf = async (request: FastifyRequest, { slug, version }: ModelParams) => {
    const entry = registry.bySlug(slug);
    if (!entry) throw notFound('Deployment', slug);
    if (request.headers['x-berth-probe'] !== registry.probeSecret) await checkPredictAccess(request, entry.deployment, services);
    const set = entry.slot.value;
    if (version !== undefined) {
      const number = versionNumber(slug, version);
      if (set?.version.number !== number) throw unknownVersion(slug, version, set?.version.number);
    }
    return { entry, set };
  };

  const server = { name: 'berth', version: berthVersion(), extensions: [] as string[] };
  app.get('/v2', async () => server);
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async () => ({ ready: true }));

  const metadata = async (request: FastifyRequest<{ Params: ModelParams }>) => {
    const { set } = await servingOf(request, request.params);
    if (!set) throw notDeployed(request.params.slug);
    return modelMetadata(set);
  };
  app.get<{ Params: ModelParams }>('/v2/models/:slug', metadata);
  app.get<{ Params: ModelParams }>('/v2/models/:slug/versions/:version', metadata);

  const ready = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { set } = await servingOf(request, request.params);
    const isReady = set?.main.state === 'ready';
    return reply.status(isReady ? 200 : 503).send({ name: request.params.slug, ready: isReady });
  };
  app.get<{ Params: ModelParams }>('/v2/models/:slug/ready', ready);
  app.get<{ Params: ModelParams }>('/v2/models/:slug/versions/:version/ready', ready);

  const inferOptions = { config: predictRateLimit(services), onResponse: observePredictions(services) };
  app.post<{ Params: ModelParams; Body: unknown }>('/v2/models/:slug/infer', inferOptions, async (request) => servePrediction(services, v2Codec, request, { slug: request.params.slug }));
  app.post<{ Params: ModelParams; Body: unknown }>('/v2/models/:slug/versions/:version/infer', inferOptions, async (request) =>
    servePrediction(services, v2Codec, request, { slug: request.params.slug, version: versionNumber(request.params.slug, request.params.version!) }),
  );

  // Anything else under /v2 is the protocol's JSON error, never the console's HTML page.
  app.all('/v2/*', async (request) => {
    throw new DomainError('NOT_FOUND', `${request.method} ${request.url.split('?')[0]} is not an endpoint of the Open Inference Protocol V2 here; see GET /v2, /v2/health/{live,ready}, /v2/models/{name}[/versions/{version}][/ready|/infer]`);
  });
}

/** A version in a path: a whole number ≥ 1, else no such version (404, as for any version that does not serve). */
function versionNumber(slug: string, version: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(version)) throw unknownVersion(slug, version, undefined);
  return Number(version);
}

function unknownVersion(slug: string, version: string, serving: number | undefined): DomainError {
  const now = serving === undefined ? 'no version serves yet' : `version ${serving} serves now`;
  return new DomainError('NOT_FOUND', `Deployment ${slug} has no version ${JSON.stringify(version.slice(0, 20))} serving: ${now}`);
}

/** The server version V2 metadata reports: Berth's package version (source and compiled layouts alike), else "unknown". */
function berthVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'berth' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // Not this layout: try the next one.
    }
  }
  return 'unknown';
}
