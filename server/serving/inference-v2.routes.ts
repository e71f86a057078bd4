import type { FastifyInstance } from 'fastify';
import type { Prediction, Row } from '../experiments/ml/types';
import { badInput, notFound } from '../platform/errors';
import type { Services } from '../services';
import { checkPredictAccess, observePredictions, predictRateLimit } from './access';
import type { ServingSet } from './deployment-registry';
import { notDeployed } from './predict.routes';

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
export function mountInferenceV2Routes(app: FastifyInstance, services: Services): void {
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

  app.post<{ Params: { slug: string }; Body: { id?: string; inputs?: V2Tensor[] } }>('/v2/models/:slug/infer', { config: predictRateLimit(services), onResponse: observePredictions(services, (body) => (body as { inputs?: V2Tensor[] } | null)?.inputs?.[0]?.shape?.[0] ?? 0) }, async (request) => {
    const entry = await entryOf(request, request.params.slug);
    const rows = rowsFromTensors(request.body?.inputs);
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
    return { model_name: request.params.slug, model_version: String(response.version), id: request.body?.id ?? response.requestId, outputs };
  });
}

const DATATYPES = { numeric: 'FP32', categorical: 'BYTES', boolean: 'BOOL' } as const;

function metadata(serving: ServingSet) {
  const spec = serving.main.spec;
  const classification = spec.target.task !== 'regression';
  return {
    name: serving.deployment.slug,
    versions: [String(serving.version.number)],
    platform: 'tensorflowjs',
    inputs: spec.features.map((f) => ({ name: f.name, datatype: DATATYPES[f.type], shape: [-1] })),
    outputs: [
      { name: 'prediction', datatype: classification ? 'BYTES' : 'FP32', shape: [-1] },
      ...(classification ? [{ name: 'probabilities', datatype: 'FP32', shape: [-1, (spec.target as { labels: string[] }).labels.length] }] : []),
    ],
  };
}

/** Per-feature tensors of equal length → rows. */
function rowsFromTensors(inputs: V2Tensor[] | undefined): Row[] {
  if (!Array.isArray(inputs) || inputs.length === 0) throw badInput('inputs', 'send one input tensor per feature: [{"name", "shape", "datatype", "data"}, …]');
  const length = inputs[0]!.data?.length;
  for (const tensor of inputs) {
    if (typeof tensor?.name !== 'string' || !Array.isArray(tensor.data)) throw badInput('inputs', 'every input needs a "name" and a "data" array');
    if (tensor.data.length !== length) throw badInput('inputs', `input "${tensor.name}" has ${tensor.data.length} values, "${inputs[0]!.name}" has ${length}: all inputs must have the same length`);
  }
  return Array.from({ length }, (_, i) => Object.fromEntries(inputs.map((t) => [t.name, t.data[i]])));
}
