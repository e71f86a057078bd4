import { serializeLayersModel, type ModelFile } from '../../server/ml/artifacts';
import { encodeRows } from '../../server/ml/preprocessing';
import type { tf } from '../../server/ml/tensorflow';
import { trainCandidates } from '../../server/ml/training';
import type { PreprocessingSpec, Row } from '../../server/ml/types';
import { penguinSchema, penguins } from './datasets';

/** A small real model to serve: a penguin species classifier, its spec and its artifact files. */
export interface PenguinModel {
  model: tf.LayersModel;
  spec: PreprocessingSpec;
  files: ModelFile[];
  rows: Row[];
}

export async function trainPenguinModel(): Promise<PenguinModel> {
  const rows = penguins();
  const trained = await trainCandidates({
    rows,
    schema: penguinSchema,
    target: { name: 'Species', task: 'multiclass' },
    seed: 7,
    maxEpochs: 30,
    candidates: [{ name: 'mlp-16', algorithm: 'mlp', hiddenUnits: [16], learningRate: 0.01 }],
  });
  const model = trained.candidates[0].model;
  if (model === undefined) throw new Error(`training failed: ${trained.candidates[0].failureReason}`);
  return { model, spec: trained.spec, files: (await serializeLayersModel(model)).files, rows };
}

export function encode(spec: PreprocessingSpec, rows: Row[]): Float32Array {
  return encodeRows(spec, rows, { mode: 'best_effort' }).data;
}
