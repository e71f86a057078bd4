import type { FastifyInstance } from 'fastify';
import type { Prediction, Row } from '../ml/types';
import { showValue } from '../ml/values';
import { badInput, notFound } from '../platform/errors';
import type { Services } from '../services';
import { checkPredictAccess, observePredictions, predictRateLimit, type AccessDeps, type ObserveDeps, type RateLimitDeps } from './access';
import type { ServingSet } from './deployment-registry';
import { notDeployed } from './predict.routes';

/** What the V2 routes use. */
export type InferenceV2RouteDeps = AccessDeps & RateLimitDeps & ObserveDeps & Pick<Services, 'predictions'>;

interface V2Tensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

/**
 * The Open Inference Protocol V2 (KServe, MLServer, Triton): one named input tensor per
 * feature, all of the same length, and the outputs `prediction` and `probabilities`.
 */
export function mountInferenceV2Routes(app: FastifyInstance, services: InferenceV2RouteDeps): void {
  const { registry, predictions } = services;
  const entryOf = async (request: Parameters<typeof checkPredictAccess>[0], slug: string) => {
    const entry = registry.bySlug(slug);
    if (!entry) throw notFound('Model', slug);
    await checkPredictAccess(request, entry.deployment, services);
    return entry;
  };

  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async () => ({ ready: true }));

  app.get<{ Params: { slug: string } }>('/v2/models/:slug', async (request) => {
    const entry = await entryOf(request, request.params.slug);
    const serving = entry.slot.value;
    if (!serving) throw notDeployed(request.params.slug);
    return metadata(serving);
  });

  app.get<{ Params: { slug: string } }>('/v2/models/:slug/ready', async (request, reply) => {
    const entry = await entryOf(request, request.params.slug);
    const ready = entry.slot.value?.main.state === 'ready';
    return reply.status(ready ? 200 : 503).send({ name: request.params.slug, ready });
  });

  app.post<{ Params: { slug: string }; Body: unknown }>('/v2/models/:slug/infer', { config: predictRateLimit(services), onResponse: observePredictions(services, rowCount) }, async (request) => {
    const entry = await entryOf(request, request.params.slug);
    const { rows, id } = readRequest(request.body);
    const lease = entry.slot.current();
    if (!lease) throw notDeployed(request.params.slug);
    const response = await predictions.predict(lease, rows, 'api');
    const labels = lease.value.main.spec.target.task === 'regression' ? null : (lease.value.main.spec.target as { labels: string[] }).labels;
    const outputs: V2Tensor[] = [
      { name: 'prediction', shape: [rows.length], datatype: labels ? 'BYTES' : 'FP32', data: response.predictions.map((p: Prediction) => p.prediction) },
    ];
    if (labels) {
      outputs.push({ name: 'probabilities', shape: [rows.length, labels.length], datatype: 'FP32', data: response.predictions.flatMap((p: Prediction) => labels.map((l) => p.probabilities?.[l] ?? 0)) });
    }
    return { model_name: request.params.slug, model_version: String(response.version), id: id ?? response.requestId, outputs };
  });
}

const DATATYPES = { numeric: 'FP32', categorical: 'BYTES', boolean: 'BOOL' } as const;

function metadata(serving: ServingSet) {
  const spec = serving.main.spec;
  const classification = spec.target.task !== 'regression';
  return {
    name: serving.deployment.slug,
    versions: [String(serving.version.number)],
    // The runtime's own name for what it runs (tensorflowjs_layers, tensorflowjs_graph, onnxruntime_onnx).
    platform: serving.main.runtime.describe().platform,
    inputs: spec.features.map((f) => ({ name: f.name, datatype: DATATYPES[f.type], shape: [-1] })),
    outputs: [
      { name: 'prediction', datatype: classification ? 'BYTES' : 'FP32', shape: [-1] },
      ...(classification ? [{ name: 'probabilities', datatype: 'FP32', shape: [-1, (spec.target as { labels: string[] }).labels.length] }] : []),
    ],
  };
}

const USAGE = 'send {"inputs": [{"name", "shape", "datatype", "data"}, …]}, one input tensor per feature';

/**
 * The request's rows (per-feature tensors of equal length) and its optional id. Anything else
 * is a 400 naming what is wrong; values inside `data` are checked by the predict path.
 */
function readRequest(body: unknown): { rows: Row[]; id: string | undefined } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badInput('body', USAGE);
  const { inputs, id } = body as { inputs?: unknown; id?: unknown };
  if (id !== undefined && typeof id !== 'string') throw badInput('id', `the request id must be a string, not ${showValue(id)}`);
  if (!Array.isArray(inputs) || inputs.length === 0) throw badInput('inputs', USAGE);
  const tensors: V2Tensor[] = [];
  const names = new Set<string>();
  for (const [i, tensor] of (inputs as unknown[]).entries()) {
    if (tensor === null || typeof tensor !== 'object' || Array.isArray(tensor)) throw badInput(`inputs[${i}]`, `expected an input tensor {"name", "shape", "datatype", "data"}, got ${showValue(tensor)}`);
    const { name, data } = tensor as Partial<V2Tensor>;
    if (typeof name !== 'string' || name === '') throw badInput(`inputs[${i}].name`, 'every input needs a "name": the feature it holds');
    if (!Array.isArray(data)) throw badInput(`inputs[${i}].data`, `input "${name}" needs a "data" array: one value per row`);
    if (names.has(name)) throw badInput(`inputs[${i}].name`, `input "${name}" is sent twice`);
    names.add(name);
    const first = tensors[0];
    if (first && data.length !== first.data.length) {
      throw badInput(`inputs[${i}].data`, `input "${name}" has ${data.length} values, "${first.name}" has ${first.data.length}: all inputs must have the same length`);
    }
    tensors.push(tensor as V2Tensor);
  }
  const length = tensors[0]!.data.length;
  if (length === 0) throw badInput('inputs', 'the inputs hold no values: send at least one row');
  // Own properties (fromEntries), so a tensor named "__proto__" is a field like any other, refused as unknown.
  const rows = Array.from({ length }, (_, i): Row => Object.fromEntries(tensors.map((t) => [t.name, t.data[i]])));
  return { rows, id };
}

/** Rows of a request for the metrics, from whatever was sent (the hook also runs for refused requests). */
function rowCount(body: unknown): number {
  const first = (body as { inputs?: Array<{ data?: unknown } | null> } | null)?.inputs;
  const data = Array.isArray(first) ? first[0]?.data : undefined;
  return Array.isArray(data) ? data.length : 0;
}
