import type { Prediction, PreprocessingSpec, Row, RowIssue } from '../ml/types';
import { isScalar, notScalar, showValue } from '../ml/values';
import { badInput, DomainError } from '../platform/errors';
import type { ServingSet } from './deployment-registry';
import type { PredictCodec } from './edge';
import type { PredictResult } from './prediction.service';

/**
 * The Open Inference Protocol V2 (KServe's "V2", MLServer, Triton) over REST: one input tensor
 * per feature, `[N]` or `[N, 1]`, and the outputs `prediction` and (classification)
 * `probabilities`. Everything the protocol says about a tensor is checked here (shape against the
 * data, the datatype's name and every value against it); what a feature accepts is checked by the
 * edge after, exactly as for REST.
 */

/** The protocol's tensor datatypes (case-sensitive). */
export const V2_DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;
export type V2Datatype = (typeof V2_DATATYPES)[number];

/** Inclusive lower bound and exclusive upper bound of each integer datatype (64-bit bounds as the nearest doubles). */
const INTEGER_RANGE: Partial<Record<V2Datatype, [number, number]>> = {
  UINT8: [0, 2 ** 8],
  UINT16: [0, 2 ** 16],
  UINT32: [0, 2 ** 32],
  UINT64: [0, 2 ** 64],
  INT8: [-(2 ** 7), 2 ** 7],
  INT16: [-(2 ** 15), 2 ** 15],
  INT32: [-(2 ** 31), 2 ** 31],
  INT64: [-(2 ** 63), 2 ** 63],
};

/** Largest finite magnitude of each floating-point datatype. */
const FLOAT_MAX: Partial<Record<V2Datatype, number>> = { FP16: 65504, FP32: 3.4028234663852886e38, FP64: Number.MAX_VALUE };

export interface V2Tensor {
  name: string;
  shape: number[];
  datatype: V2Datatype;
  data: unknown[];
}

/** What a V2 inference request asks for, once read. */
export interface V2Request {
  rows: Row[];
  id: string | undefined;
  /** The outputs to answer, in the order asked; all of them when the request names none. */
  outputs: V2OutputName[];
}

export type V2OutputName = 'prediction' | 'probabilities';

const USAGE = 'send {"inputs": [{"name", "shape", "datatype", "data"}, …]}, one input tensor per feature';

/** The outputs a model's spec has. */
export function outputNames(spec: PreprocessingSpec): V2OutputName[] {
  return spec.target.task === 'regression' ? ['prediction'] : ['prediction', 'probabilities'];
}

/** The datatype V2 metadata advertises for a feature type. */
export const FEATURE_DATATYPES = { numeric: 'FP32', categorical: 'BYTES', boolean: 'BOOL' } as const;

export const v2Codec: PredictCodec<V2Request> = {
  read: (body, set) => readRequest(body, set),
  write: (result, request) => writeResponse(result, request),
};

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The request's rows (one per index of the inputs' first dimension), its id and the outputs it
 * asks for. Anything the protocol does not allow is a 400 naming the input and what is wrong.
 */
export function readRequest(body: unknown, set: ServingSet): V2Request {
  if (!isObject(body)) throw badInput('body', USAGE);
  const { inputs, id, outputs } = body;
  // The protocol's id is a string; echoing a number as a number would break typed clients.
  if (id !== undefined && typeof id !== 'string') throw badInput('id', `the request id must be a string, not ${showValue(id)}`);
  if (!Array.isArray(inputs) || inputs.length === 0) throw badInput('inputs', USAGE);
  const tensors: Array<{ name: string; values: unknown[] }> = [];
  const names = new Set<string>();
  let length: number | undefined;
  for (const [i, tensor] of (inputs as unknown[]).entries()) {
    const { name, values } = readTensor(tensor, i);
    if (names.has(name)) throw badInput(`inputs[${i}].name`, `input "${name}" is sent twice; send each feature once`);
    names.add(name);
    if (length !== undefined && values.length !== length) {
      throw badInput(`inputs[${i}].shape`, `input "${name}" has ${values.length} rows, "${tensors[0]!.name}" has ${length}: every input must have the same first dimension`);
    }
    length = values.length;
    tensors.push({ name, values });
  }
  // The same answer as REST's {"inputs": []}.
  if (length === 0) throw badInput('inputs', 'send at least one row');
  // Own properties (fromEntries), so a tensor named "__proto__" is a field like any other, refused as unknown.
  const rows = Array.from({ length: length! }, (_, r): Row => Object.fromEntries(tensors.map((t) => [t.name, t.values[r]])));
  return { rows, id, outputs: requestedOutputs(outputs, set.main.spec) };
}

/** One input tensor's name and values (one per row), checked against the protocol. */
function readTensor(tensor: unknown, i: number): { name: string; values: unknown[] } {
  const at = `inputs[${i}]`;
  if (!isObject(tensor)) throw badInput(at, `expected an input tensor {"name", "shape", "datatype", "data"}, got ${showValue(tensor)}`);
  const { name, shape, datatype, data } = tensor;
  if (typeof name !== 'string' || name === '') throw badInput(`${at}.name`, 'every input needs a "name": the feature it holds');
  const where = `${at} ("${name.length > 40 ? `${name.slice(0, 40)}…` : name}")`;
  if (typeof datatype !== 'string' || !(V2_DATATYPES as readonly string[]).includes(datatype)) {
    throw badInput(`${at}.datatype`, `${where}: datatype ${showValue(datatype)} is not one of the protocol's (case-sensitive): ${V2_DATATYPES.join(', ')}`);
  }
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw badInput(`${at}.shape`, `${where}: "shape" must be a list of whole numbers ≥ 0 (a request's shape is concrete; -1 is for metadata), got ${Array.isArray(shape) ? `[${shape.map(showValue).join(', ')}]` : showValue(shape)}`);
  }
  const dims = shape as number[];
  if (dims.length > 2 || (dims.length === 2 && dims[1] !== 1)) {
    throw badInput(`${at}.shape`, `${where}: shape [${dims.join(', ')}] is not one value per row; each input holds one feature, shape [N] or [N, 1]`);
  }
  if (!Array.isArray(data)) throw badInput(`${at}.data`, `${where} needs a "data" array: its values, flat in row-major order or nested as the shape`);
  const values = flatten(data, dims, `${at}.data`, where);
  checkValues(values, datatype as V2Datatype, name, `${at}.data`, where);
  return { name, values };
}

/**
 * The values of `data` in row-major order: `data` may be flat (as many values as the shape holds)
 * or nested as the shape (`[[39], [47]]` for `[2, 1]`). Never descends deeper than the shape, so a
 * hostile 5 000-level array is one value that the value check refuses.
 */
function flatten(data: unknown[], shape: number[], field: string, where: string): unknown[] {
  const count = shape.reduce((a, b) => a * b, 1);
  const nested = shape.length > 1 && data.length > 0 && Array.isArray(data[0]);
  if (!nested) {
    if (data.length !== count) throw badInput(field, `${where}: shape [${shape.join(', ')}] holds ${count} values, "data" has ${data.length}`);
    return data;
  }
  if (data.length !== shape[0]) throw badInput(field, `${where}: shape [${shape.join(', ')}] has ${shape[0]} rows, nested "data" has ${data.length}`);
  const values: unknown[] = [];
  for (const [r, inner] of data.entries()) {
    if (!Array.isArray(inner) || inner.length !== shape[1]) {
      throw badInput(field, `${where}: row ${r} of nested "data" must be a list of ${shape[1]} value${shape[1] === 1 ? '' : 's'}, as shape [${shape.join(', ')}] says, got ${Array.isArray(inner) ? `${inner.length} values` : showValue(inner)}`);
    }
    values.push(...inner);
  }
  return values;
}

/** What is wrong with a value for a datatype, if anything; null is a missing value (Berth's extension: imputed or refused by the feature schema). */
function valueProblem(value: unknown, datatype: V2Datatype): string | undefined {
  // The type first: nothing below may walk or print a structure a client sent.
  if (!isScalar(value)) return notScalar(value);
  if (value === null) return undefined;
  if (datatype === 'BYTES') return typeof value === 'string' ? undefined : `${showValue(value)} is not a string (BYTES)`;
  if (datatype === 'BOOL') return typeof value === 'boolean' ? undefined : `${showValue(value)} is not true or false (BOOL)`;
  if (typeof value !== 'number') return `${showValue(value)} is not a number (${datatype})`;
  const range = INTEGER_RANGE[datatype];
  if (range) {
    if (!Number.isInteger(value)) return `${value} is not a whole number (${datatype})`;
    return value >= range[0] && value < range[1] ? undefined : `${value} is outside ${datatype}'s range (${range[0]} to ${range[1] - 1})`;
  }
  const max = FLOAT_MAX[datatype]!;
  return Math.abs(value) <= max ? undefined : `${value} is outside ${datatype}'s finite range (±${max})`;
}

function checkValues(values: unknown[], datatype: V2Datatype, name: string, field: string, where: string): void {
  let issues: RowIssue[] | undefined;
  for (let row = 0; row < values.length; row++) {
    const problem = valueProblem(values[row], datatype);
    if (problem !== undefined) (issues ??= []).push({ row, field: name, message: problem });
  }
  if (!issues) return;
  const [first] = issues;
  const more = issues.length > 1 ? `; ${issues.length} such values in all, see details` : '';
  throw new DomainError('BAD_USER_INPUT', `${where}, row ${first!.row}: ${first!.message}${more}`, { field, details: issues });
}

/** The outputs a request names (`[{"name"}, …]`), each one the model has; all of them when it names none. */
function requestedOutputs(outputs: unknown, spec: PreprocessingSpec): V2OutputName[] {
  const available = outputNames(spec);
  if (outputs === undefined) return available;
  if (!Array.isArray(outputs)) throw badInput('outputs', `"outputs" must be a list of {"name"}, one per output wanted (${available.join(', ')})`);
  const wanted: V2OutputName[] = [];
  for (const [i, output] of (outputs as unknown[]).entries()) {
    const name = isObject(output) ? output.name : undefined;
    if (typeof name !== 'string') throw badInput(`outputs[${i}].name`, `every requested output needs a "name": one of ${available.join(', ')}`);
    if (!(available as string[]).includes(name)) throw badInput(`outputs[${i}].name`, `the model has no output ${showValue(name)}; it has ${available.join(', ')}`);
    if (wanted.includes(name as V2OutputName)) throw badInput(`outputs[${i}].name`, `output "${name}" is requested twice`);
    wanted.push(name as V2OutputName);
  }
  return wanted.length > 0 ? wanted : available;
}

/**
 * A number as FP32 carries it: rounded to float32, then written with the fewest digits that read
 * back as that float32 (`0.9956991941891989` → `0.9956992`), as a float32 client would print it.
 */
export function float32(value: number): number {
  const single = Math.fround(value);
  if (!Number.isFinite(single) || single === 0) return single;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return Number(single.toPrecision(9));
}

function writeResponse({ response, set }: PredictResult, request: V2Request) {
  const spec = set.main.spec;
  const rows = response.predictions.length;
  const labels = spec.target.task === 'regression' ? null : spec.target.labels;
  const outputs = request.outputs.map((name) => {
    if (name === 'prediction') {
      return labels
        ? { name, shape: [rows], datatype: 'BYTES', data: response.predictions.map((p: Prediction) => p.prediction) }
        : { name, shape: [rows], datatype: 'FP32', data: response.predictions.map((p: Prediction) => float32(p.prediction as number)) };
    }
    const classes = labels!;
    return { name, shape: [rows, classes.length], datatype: 'FP32', data: response.predictions.flatMap((p: Prediction) => classes.map((l) => float32(p.probabilities?.[l] ?? 0))) };
  });
  return {
    model_name: response.deployment,
    model_version: String(response.version),
    // Berth's request id when the client sent none: the one feedback refers to.
    id: request.id ?? response.requestId,
    outputs,
  };
}

/** Model metadata: the deployment's current version, its runtime's platform, one input per feature. */
export function modelMetadata(set: ServingSet) {
  const spec = set.main.spec;
  const labels = spec.target.task === 'regression' ? null : spec.target.labels;
  return {
    name: set.deployment.slug,
    versions: [String(set.version.number)],
    // The runtime's own name for what it runs (tensorflowjs_layers, tensorflowjs_graph, onnxruntime_onnx).
    platform: set.main.runtime.describe().platform,
    inputs: spec.features.map((f) => ({ name: f.name, datatype: FEATURE_DATATYPES[f.type], shape: [-1] })),
    outputs: [
      { name: 'prediction', datatype: labels ? 'BYTES' : 'FP32', shape: [-1] },
      ...(labels ? [{ name: 'probabilities', datatype: 'FP32', shape: [-1, labels.length] }] : []),
    ],
  };
}
