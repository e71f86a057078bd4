import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inferFeatureTypes } from '../../server/ml/csv';
import { fitPreprocessing } from '../../server/ml/preprocessing';
import type { PreprocessingSpec, Row } from '../../server/ml/types';
import type { ModelContract } from '../../server/ml/runtimes/contract';

/** The bring-your-own-model fixtures (test/fixtures/byo, made by scikit-learn, PyTorch and TF.js; see its README). */
export const BYO_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'byo');

export type ByoName = 'penguins.sklearn' | 'cars.sklearn' | 'penguins.pytorch' | 'cars.pytorch' | 'penguins.tfjs-raw';
export const BYO_MODELS: ByoName[] = ['penguins.sklearn', 'cars.sklearn', 'penguins.pytorch', 'cars.pytorch', 'penguins.tfjs-raw'];

export interface ByoExpected {
  task: 'classification' | 'regression';
  target: string;
  features: string[];
  labels?: string[];
  rows: Row[];
  predictions: Array<string | number>;
  probabilities?: number[][];
}

interface FixtureContract {
  inputs: {
    tensors?: Array<{ name: string; feature: string; dtype: string; shape: unknown[] }>;
    name?: string;
    columns?: Array<{ feature: string; category?: string }>;
  };
  outputs: { probabilities?: { name: string; labelOrder?: string[] }; value?: { name: string } };
}

export const byoExpected = (name: ByoName): ByoExpected => JSON.parse(readFileSync(path.join(BYO_DIR, `${name}.expected.json`), 'utf8'));

/** The model's files as an upload sends them: the .onnx file, or model.json and its weights. */
export function byoFiles(name: ByoName): Array<{ name: string; bytes: Uint8Array }> {
  if (name.endsWith('tfjs-raw')) {
    const folder = path.join(BYO_DIR, name);
    return readdirSync(folder).sort().map((file) => ({ name: file, bytes: new Uint8Array(readFileSync(path.join(folder, file))) }));
  }
  return [{ name: `${name}.onnx`, bytes: new Uint8Array(readFileSync(path.join(BYO_DIR, `${name}.onnx`))) }];
}

/** The fixture's contract.json said in Berth's terms (what the import form would submit). */
export function byoContract(name: ByoName): ModelContract {
  const fixture: FixtureContract = JSON.parse(readFileSync(path.join(BYO_DIR, `${name}.contract.json`), 'utf8'));
  const input: ModelContract['input'] = fixture.inputs.tensors
    ? { kind: 'features', tensors: fixture.inputs.tensors.map((t) => ({ tensor: t.name, feature: t.feature, type: t.dtype === 'string' ? 'string' : 'float32', rank: t.shape.length === 1 ? 1 : 2 })) }
    : { kind: 'matrix', tensor: fixture.inputs.name ?? null, columns: fixture.inputs.columns! };
  const output: ModelContract['output'] = fixture.outputs.probabilities
    ? { kind: 'probabilities', tensor: fixture.outputs.probabilities.name, labels: fixture.outputs.probabilities.labelOrder! }
    : { kind: 'value', tensor: fixture.outputs.value!.name };
  return { input, output };
}

/** The spec Berth fits on the reference rows (validation and profile come from it, not the encoding). */
export function byoSpec(expected: ByoExpected): PreprocessingSpec {
  const schema = inferFeatureTypes(expected.rows, expected.features);
  return fitPreprocessing(expected.rows, schema, { name: expected.target, task: expected.task === 'regression' ? 'regression' : 'multiclass' });
}

/** Largest difference between Berth's predictions and the framework's, over every row. */
export function worstDifference(expected: ByoExpected, predictions: Array<{ prediction: string | number; probabilities?: Record<string, number> }>): { worst: number; labelMismatches: number } {
  let worst = 0;
  let labelMismatches = 0;
  predictions.forEach((p, i) => {
    if (expected.task === 'regression') {
      worst = Math.max(worst, Math.abs((p.prediction as number) - (expected.predictions[i] as number)));
      return;
    }
    if (p.prediction !== expected.predictions[i]) labelMismatches++;
    expected.labels!.forEach((label, j) => {
      worst = Math.max(worst, Math.abs((p.probabilities?.[label] ?? Number.NaN) - expected.probabilities![i]![j]!));
    });
  });
  if (predictions.length !== expected.rows.length) worst = Number.POSITIVE_INFINITY;
  return { worst, labelMismatches };
}
