import { decodeOutputs, encodeRows, type EncodeOptions, type TypicalValues } from '../preprocessing';
import type { EncodedFeature, Prediction, PreprocessingSpec, Row, RowIssue, TargetSpec } from '../types';
import { isMissing, isScalar, parseBoolean, parseCategory, parseNumber } from '../values';
import type { InputTensor, ModelBatch } from './model-runtime';

/**
 * The input contract of a model: how a JSON row becomes the model's input tensors.
 * - `berth`: Berth's own encoding with the version's spec (standardised numbers, one-hot with an
 *   unknown slot), one float tensor; what Berth trains and what TF.js imports took until now.
 * - `features`: one tensor per feature, matched by name (scikit-learn exporters): float32 for
 *   numbers and booleans (NaN when missing), string for categories ("" when missing), `[N]` or `[N, 1]`.
 * - `matrix`: one float32 tensor `[N, k]` (PyTorch, Keras): the columns in the declared order,
 *   a number as it is (NaN when missing), a category as one column per declared vocabulary
 *   entry (1 for the row's value; a missing or unlisted value is all zeros).
 * Raw contracts leave every statistic to the model: Berth feeds the values as the user sent them.
 */
export type InputContract =
  | { kind: 'berth' }
  | { kind: 'features'; tensors: FeatureTensor[] }
  | { kind: 'matrix'; tensor: string | null; columns: MatrixColumn[] };

export interface FeatureTensor {
  /** The model's input name. */
  tensor: string;
  /** The feature (CSV column) it holds. */
  feature: string;
  type: 'float32' | 'string';
  /** 1: `[N]`; 2: `[N, 1]`. */
  rank: 1 | 2;
}

/** A number column (no category) or one one-hot column of a categorical feature. */
export interface MatrixColumn {
  feature: string;
  category?: string;
}

/**
 * The output contract: which output Berth serves and what it means.
 * - `berth`: Berth's decoding with the version's spec (a standardised regression value; a sigmoid
 *   or softmax over the version's sorted labels).
 * - `probabilities`: `[N, C]` probabilities in the declared label order (`[N, 1]`: the
 *   probability of `labels[1]` for a binary task).
 * - `value`: a regression value on the target's own scale, `[N]` or `[N, 1]`.
 * `tensor` names the model's output; null: its only numeric output.
 */
export type OutputContract = { kind: 'berth' } | { kind: 'probabilities'; tensor: string | null; labels: string[] } | { kind: 'value'; tensor: string | null };

/** What a model is fed and what its answer means; stored with the model (`models.contract`; null = Berth's on both sides). */
export interface ModelContract {
  input: InputContract;
  output: OutputContract;
}

export const BERTH_CONTRACT: ModelContract = { input: { kind: 'berth' }, output: { kind: 'berth' } };

/** Rows encoded for one model call, with what validation found. */
export interface EncodedBatch {
  batch: ModelBatch;
  issues: RowIssue[];
  unusual: RowIssue[];
  /** Indices of rows left out of the batch, ascending. */
  rejected: number[];
}

/**
 * The one function pair from rows to a model's tensors and back, for a model's spec and
 * contract. Serving, V2, batch pipelines and the import check all use it, so a row gets the
 * same tensors everywhere. Validation is always the spec's (the version's feature schema):
 * raw contracts change what is fed, not what is accepted.
 */
export interface ModelCodec {
  readonly spec: PreprocessingSpec;
  readonly contract: ModelContract;
  encode(rows: Row[], options?: EncodeOptions & { typical?: TypicalValues }): EncodedBatch;
  decode(output: Float32Array, count: number): Prediction[];
}

const codecs = new WeakMap<PreprocessingSpec, Map<string, ModelCodec>>();

/** The codec of a spec and contract (cached: built once per model, not per request). */
export function codecFor(spec: PreprocessingSpec, contract: ModelContract | null): ModelCodec {
  const resolved = contract ?? BERTH_CONTRACT;
  const key = JSON.stringify(resolved);
  let perSpec = codecs.get(spec);
  if (!perSpec) codecs.set(spec, (perSpec = new Map()));
  let codec = perSpec.get(key);
  if (!codec) perSpec.set(key, (codec = buildCodec(spec, resolved)));
  return codec;
}

function buildCodec(spec: PreprocessingSpec, contract: ModelContract): ModelCodec {
  const decodingSpec = { ...spec, target: decodingTarget(spec.target, contract.output) };
  const input = contract.input;
  const encodeRaw = input.kind === 'berth' ? undefined : rawEncoder(spec, input);
  return {
    spec,
    contract,
    encode(rows, options = {}) {
      const encoded = encodeRows(spec, rows, options);
      const { issues, unusual, rejected } = encoded;
      if (encodeRaw === undefined) {
        const tensor: InputTensor = { name: undefined, type: 'float32', rank: 2, width: encoded.width, data: encoded.data };
        return { batch: { rows: encoded.count, tensors: [tensor] }, issues, unusual, rejected };
      }
      // Validation and imputation decisions are the spec's; the values fed are the raw ones.
      const dropped = new Set(rejected);
      const kept = rejected.length === 0 ? rows : rows.filter((_, i) => !dropped.has(i));
      return { batch: { rows: kept.length, tensors: encodeRaw(kept) }, issues, unusual, rejected };
    },
    decode(output, count) {
      return decodeOutputs(decodingSpec, output, count);
    },
  };
}

/** The target decodeOutputs reads the served output with. */
function decodingTarget(target: TargetSpec, output: OutputContract): TargetSpec {
  if (output.kind === 'berth') return target;
  if (output.kind === 'value') return { name: target.name, task: 'regression', mean: 0, std: 1 };
  return { name: target.name, task: target.task === 'regression' ? 'multiclass' : target.task, labels: output.labels };
}

type RawEncoder = (rows: Row[]) => InputTensor[];

function rawEncoder(spec: PreprocessingSpec, input: Exclude<InputContract, { kind: 'berth' }>): RawEncoder {
  const features = new Map(spec.features.map((f) => [f.name, f]));
  const featureOf = (name: string): EncodedFeature | undefined => features.get(name);
  if (input.kind === 'features') {
    return (rows) =>
      input.tensors.map((t): InputTensor => {
        const feature = featureOf(t.feature);
        if (t.type === 'string') return { name: t.tensor, type: 'string', rank: t.rank, width: 1, data: rows.map((row) => rawCategory(row[t.feature])) };
        const data = new Float32Array(rows.length);
        for (let i = 0; i < rows.length; i++) data[i] = rawNumber(feature, rows[i]![t.feature]);
        return { name: t.tensor, type: 'float32', rank: t.rank, width: 1, data };
      });
  }
  const columns = input.columns.map((c) => ({ ...c, feature: featureOf(c.feature) }));
  const width = columns.length;
  return (rows) => {
    const data = new Float32Array(rows.length * width);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (let c = 0; c < width; c++) {
        const column = columns[c]!;
        const value = row[input.columns[c]!.feature];
        data[r * width + c] = column.category === undefined ? rawNumber(column.feature, value) : rawCategory(value) === column.category ? 1 : 0;
      }
    }
    return [{ name: input.tensor ?? undefined, type: 'float32', rank: 2, width, data }];
  };
}

/** A raw number as float32: NaN when missing or unusable (the model imputes); a boolean feature as 0/1. */
function rawNumber(feature: EncodedFeature | undefined, value: unknown): number {
  if (!isScalar(value) || isMissing(value)) return Number.NaN;
  if (feature?.type === 'boolean') {
    const parsed = parseBoolean(value);
    return parsed === undefined ? Number.NaN : parsed ? 1 : 0;
  }
  const parsed = parseNumber(value);
  const single = parsed === undefined ? Number.NaN : Math.fround(parsed);
  return Number.isFinite(single) ? single : Number.NaN;
}

/** A raw category: its text, "" when missing (what scikit-learn's string imputer replaces). */
function rawCategory(value: unknown): string {
  if (!isScalar(value) || isMissing(value)) return '';
  return parseCategory(value) ?? '';
}
