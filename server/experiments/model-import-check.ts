import { badInput, DomainError } from '../platform/errors';
import { classificationMetrics, regressionMetrics } from '../ml/metrics';
import { predictionDistribution } from '../ml/profile';
import type { Metrics, Prediction, PredictionDistribution, PreprocessingSpec, Row } from '../ml/types';
import { isMissing, parseCategory, parseNumber } from '../ml/values';
import { codecFor, type InputContract, type ModelContract, type ModelRuntime, type OutputContract, type TensorSignature } from '../ml/runtimes';
import { widthOf } from '../ml/runtimes/onnx';

/**
 * The checks an imported model passes before anything is stored: its signature fits the input
 * and output contract, and the reference rows run through it (the same codec and runtime that
 * serve it) give metrics, so a wrong label or column order shows before any deployment.
 */

/** What an upload's file declares: stored with the upload, shown by the import form. */
export interface ModelSignature {
  inputs: TensorSignature[];
  outputs: TensorSignature[];
}

const FIELD = 'contract';

/**
 * The contract Berth proposes for a model it did not train: tensors named like features feed
 * those features raw (scikit-learn); one float input [N, k] is a matrix with the features in the
 * schema's order and categories one-hot in sorted order (check, or declare the order the model was
 * trained with); a classifier's float output [N, C] is probabilities in the sorted label order.
 * Returns the reasons it could not propose one instead, for the form to show.
 */
export function proposeContract(signature: ModelSignature, spec: PreprocessingSpec): { contract: ModelContract | null; problems: string[] } {
  const problems: string[] = [];
  const features = new Map(spec.features.map((f) => [f.name, f]));
  let input: InputContract | null = null;
  if (signature.inputs.length > 0 && signature.inputs.every((i) => features.has(i.name))) {
    input = {
      kind: 'features',
      tensors: signature.inputs.map((i) => ({ tensor: i.name, feature: i.name, type: i.type === 'string' ? 'string' : 'float32', rank: i.shape.length === 1 ? 1 : 2 })),
    };
  } else if (signature.inputs.length === 1 && signature.inputs[0]!.type === 'float32') {
    const columns = spec.features.flatMap((f) =>
      f.type === 'categorical' ? [...f.vocabulary].sort().map((category) => ({ feature: f.name, category })) : [{ feature: f.name }],
    );
    const width = signature.inputs[0]!.shape[1];
    if (width !== undefined && width > 0 && width !== columns.length) {
      problems.push(`input "${signature.inputs[0]!.name}" takes ${width} columns; the features one-hot encoded in the reference data give ${columns.length}: declare the columns`);
    }
    input = { kind: 'matrix', tensor: signature.inputs[0]!.name, columns };
  } else {
    problems.push(`the inputs (${signature.inputs.map((i) => i.name).join(', ')}) are neither named like the features nor one float tensor: declare the contract`);
  }
  const numeric = signature.outputs.filter((o) => o.type !== 'string' && o.type !== 'non-tensor');
  const served = numeric.find((o) => /prob/i.test(o.name)) ?? numeric[0];
  let output: OutputContract | null = null;
  if (!served) problems.push('the model has no numeric output tensor to serve');
  else if (spec.target.task === 'regression') output = { kind: 'value', tensor: served.name };
  else output = { kind: 'probabilities', tensor: served.name, labels: [...spec.target.labels] };
  return { contract: input && output ? { input, output } : null, problems };
}

/** Refuses a contract the spec and the model's signature cannot both satisfy, naming the tensor or feature. */
export function checkContract(contract: unknown, signature: ModelSignature | null, spec: PreprocessingSpec): ModelContract {
  if (contract === null || typeof contract !== 'object') throw badInput(FIELD, 'expected {"input": {...}, "output": {...}}');
  const { input, output } = contract as Partial<ModelContract>;
  const features = new Map(spec.features.map((f) => [f.name, f]));
  const knownFeature = (name: unknown, where: string) => {
    if (typeof name !== 'string' || !features.has(name)) throw badInput(`${FIELD}.${where}`, `${JSON.stringify(name)} is not a feature of the reference data (features: ${[...features.keys()].join(', ')})`);
    return features.get(name)!;
  };
  const inputs = new Map((signature?.inputs ?? []).map((i) => [i.name, i]));
  if (input?.kind === 'features') {
    if (!Array.isArray(input.tensors) || input.tensors.length === 0) throw badInput(`${FIELD}.input.tensors`, 'list one tensor per feature');
    input.tensors.forEach((t, i) => {
      const where = `input.tensors[${i}]`;
      knownFeature(t.feature, `${where}.feature`);
      if (t.type !== 'float32' && t.type !== 'string') throw badInput(`${FIELD}.${where}.type`, 'must be "float32" or "string"');
      if (t.rank !== 1 && t.rank !== 2) throw badInput(`${FIELD}.${where}.rank`, 'must be 1 ([N]) or 2 ([N, 1])');
      if (signature) {
        const declared = inputs.get(t.tensor);
        if (!declared) throw badInput(`${FIELD}.${where}.tensor`, `the model has no input "${t.tensor}" (its inputs: ${[...inputs.keys()].join(', ')})`);
        if (declared.type !== t.type) throw badInput(`${FIELD}.${where}`, `input "${t.tensor}" is ${declared.type} in the model; the contract feeds ${t.type}`);
        if (declared.shape.length !== t.rank || (t.rank === 2 && declared.shape[1] !== 1 && declared.shape[1] !== -1)) {
          throw badInput(`${FIELD}.${where}`, `input "${t.tensor}" has shape [${declared.shape.join(', ')}] in the model; a feature tensor is [N] or [N, 1]`);
        }
      }
    });
    const fed = new Set(input.tensors.map((t) => t.tensor));
    const unfed = [...inputs.keys()].filter((name) => !fed.has(name));
    if (unfed.length > 0) throw badInput(`${FIELD}.input.tensors`, `the model's input${unfed.length > 1 ? 's' : ''} ${unfed.map((n) => `"${n}"`).join(', ')} would get nothing: feed each from a feature`);
  } else if (input?.kind === 'matrix') {
    if (!Array.isArray(input.columns) || input.columns.length === 0) throw badInput(`${FIELD}.input.columns`, 'list the columns of the input matrix in order');
    input.columns.forEach((c, i) => {
      const feature = knownFeature(c.feature, `input.columns[${i}].feature`);
      if (c.category !== undefined && (typeof c.category !== 'string' || feature.type !== 'categorical')) {
        throw badInput(`${FIELD}.input.columns[${i}].category`, `"${feature.name}" is ${feature.type}: only a categorical feature has one-hot columns`);
      }
      if (c.category === undefined && feature.type === 'categorical') {
        throw badInput(`${FIELD}.input.columns[${i}]`, `"${feature.name}" is categorical: give each of its one-hot columns a "category"`);
      }
    });
    if (signature) {
      const declared = input.tensor ? inputs.get(input.tensor) : signature.inputs.length === 1 ? signature.inputs[0] : undefined;
      if (!declared) throw badInput(`${FIELD}.input.tensor`, `the model has no input ${JSON.stringify(input.tensor)} (its inputs: ${[...inputs.keys()].join(', ')})`);
      if (signature.inputs.length !== 1) throw badInput(`${FIELD}.input`, `the model has ${signature.inputs.length} inputs; a matrix contract feeds exactly one`);
      if (declared.type !== 'float32') throw badInput(`${FIELD}.input.tensor`, `input "${declared.name}" is ${declared.type}; a matrix contract feeds float32`);
      const width = declared.shape[1];
      if (declared.shape.length !== 2 || (width !== undefined && width > 0 && width !== input.columns.length)) {
        throw badInput(`${FIELD}.input.columns`, `input "${declared.name}" has shape [${declared.shape.join(', ')}]; the contract declares ${input.columns.length} columns`);
      }
    }
  } else if (input?.kind !== 'berth') {
    throw badInput(`${FIELD}.input.kind`, 'must be "berth", "features" or "matrix"');
  }

  const target = spec.target;
  if (output?.kind === 'berth') {
    if (input.kind !== 'berth') throw badInput(`${FIELD}.output.kind`, 'Berth\'s output decoding goes with Berth\'s input encoding; declare "probabilities" or "value"');
  } else if (output?.kind === 'value' || output?.kind === 'probabilities') {
    if (output.kind === 'value' && target.task !== 'regression') throw badInput(`${FIELD}.output.kind`, `a ${target.task} experiment serves "probabilities", not "value"`);
    if (output.kind === 'probabilities') {
      if (target.task === 'regression') throw badInput(`${FIELD}.output.kind`, 'a regression experiment serves "value", not "probabilities"');
      const labels = output.labels;
      const expected = [...target.labels].sort();
      if (!Array.isArray(labels) || labels.length !== expected.length || [...labels].sort().some((l, i) => l !== expected[i])) {
        throw badInput(`${FIELD}.output.labels`, `must list the reference data's labels (${target.labels.join(', ')}) once each, in the order of the model's output columns`);
      }
    }
    if (signature) {
      const numeric = signature.outputs.filter((o) => o.type !== 'string');
      const declared = output.tensor ? signature.outputs.find((o) => o.name === output.tensor) : numeric.length === 1 ? numeric[0] : undefined;
      if (!declared) throw badInput(`${FIELD}.output.tensor`, `the model has no output ${JSON.stringify(output.tensor)} (its outputs: ${signature.outputs.map((o) => o.name).join(', ')})`);
      if (declared.type === 'string') throw badInput(`${FIELD}.output.tensor`, `output "${declared.name}" holds labels (strings); serve the probabilities tensor [N, classes]`);
      const width = widthOf(declared.shape);
      const wanted = output.kind === 'value' ? [1] : target.task === 'binary' ? [1, 2] : [output.labels.length];
      if (width > 0 && !wanted.includes(width)) {
        throw badInput(`${FIELD}.output`, `output "${declared.name}" has shape [${declared.shape.join(', ')}]: ${width} values per row, where ${wanted.join(' or ')} ${output.kind === 'value' ? 'is' : 'are'} needed`);
      }
    }
  } else {
    throw badInput(`${FIELD}.output.kind`, 'must be "berth", "probabilities" or "value"');
  }
  return { input, output } as ModelContract;
}

export interface ReferenceCheck {
  metrics: Metrics;
  distribution: PredictionDistribution;
  /** Set when another label order would have been far more accurate: the contract's order is probably wrong. */
  betterLabelOrder?: { labels: string[]; accuracy: number };
}

/** Runs rows with a target through the loaded runtime with the contract's codec; the model's metrics on them. */
export async function checkOnReference(runtime: ModelRuntime, spec: PreprocessingSpec, contract: ModelContract, rows: Row[], fileName: string): Promise<ReferenceCheck> {
  const target = spec.target;
  const labelled = rows.filter((row) => !isMissing(row[target.name]));
  const codec = codecFor(spec, contract);
  const encoded = codec.encode(labelled, { mode: 'best_effort', firstRowNumber: 1 });
  const kept = encoded.rejected.length === 0 ? labelled : labelled.filter((_, i) => !encoded.rejected.includes(i));
  let predictions: Prediction[];
  try {
    predictions = codec.decode(await runtime.predict(encoded.batch), encoded.batch.rows);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw badInput(FIELD, `the model could not predict the rows of ${fileName} with this contract: ${(error as Error).message}`);
  }
  if (target.task === 'regression') {
    const actual = kept.map((row) => parseNumber(row[target.name]) ?? Number.NaN);
    return { metrics: regressionMetrics(actual, predictions), distribution: predictionDistribution('regression', predictions) };
  }
  const actual = kept.map((row) => parseCategory(row[target.name]) ?? '');
  const metrics = classificationMetrics(target.task, actual, predictions, target.labels);
  const check: ReferenceCheck = { metrics, distribution: predictionDistribution(target.task, predictions, target.labels) };
  const served = contract.output.kind === 'probabilities' ? contract.output.labels : target.labels;
  const better = bestLabelOrder(served, actual, predictions);
  if (better && better.accuracy >= (metrics as { accuracy: number }).accuracy + 0.2) check.betterLabelOrder = better;
  return check;
}

/** The relabelling of the model's output columns that agrees best with the reference labels (up to 7 classes). */
function bestLabelOrder(labels: string[], actual: string[], predictions: Prediction[]): { labels: string[]; accuracy: number } | undefined {
  if (labels.length > 7 || actual.length === 0) return undefined;
  const column = new Map(labels.map((l, i) => [l, i]));
  const index = new Map(labels.map((l, i) => [l, i]));
  // counts[c][t]: rows whose predicted column is c and whose true label is t.
  const counts = labels.map(() => labels.map(() => 0));
  predictions.forEach((p, i) => {
    const c = column.get(String(p.prediction));
    const t = index.get(actual[i]!);
    if (c !== undefined && t !== undefined) counts[c]![t]!++;
  });
  let best: { order: number[]; hits: number } = { order: [], hits: -1 };
  const permute = (order: number[], used: Set<number>) => {
    if (order.length === labels.length) {
      const hits = order.reduce((sum, t, c) => sum + counts[c]![t]!, 0);
      if (hits > best.hits) best = { order: [...order], hits };
      return;
    }
    for (let t = 0; t < labels.length; t++) {
      if (used.has(t)) continue;
      used.add(t);
      order.push(t);
      permute(order, used);
      order.pop();
      used.delete(t);
    }
  };
  permute([], new Set());
  return { labels: best.order.map((t) => labels[t]!), accuracy: best.hits / actual.length };
}
