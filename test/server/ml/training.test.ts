import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../../server/ml/errors';
import { encodeRows, encodeTargets } from '../../../server/ml/preprocessing';
import { tf } from '../../../server/ml/tensorflow';
import {
  MIN_TRAINING_ROWS,
  bestCandidate,
  predictRows,
  splitDataset,
  trainCandidates,
  type CandidateResult,
  type TrainingProgress,
  type TrainingResult,
} from '../../../server/ml/training';
import type { ClassificationMetrics, RegressionMetrics, Row } from '../../../server/ml/types';
import { carSchema, cars, penguinSchema, penguins } from '../../support/datasets';

const disposeAll = (results: TrainingResult[]) => {
  for (const result of results) for (const candidate of result.candidates) candidate.model?.dispose();
};

describe('splitDataset', () => {
  const rows = penguins();

  it('splits 20 % holdout, 15 % validation, the rest to train, without loss or overlap', () => {
    const split = splitDataset(rows, { seed: 3 });
    expect([split.train.length, split.validation.length, split.holdout.length]).toEqual([344 - 69 - 52, 52, 69]);
    const all = [...split.train, ...split.validation, ...split.holdout];
    expect(new Set(all).size).toBe(rows.length);
    expect(all.every((row) => rows.includes(row))).toBe(true);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(splitDataset(rows, { seed: 3 })).toEqual(splitDataset(rows, { seed: 3 }));
    expect(splitDataset(rows, { seed: 3 }).holdout).not.toEqual(splitDataset(rows, { seed: 4 }).holdout);
  });

  it('keeps class proportions when stratified', () => {
    const split = splitDataset(rows, { seed: 3, stratifyBy: 'Species' });
    const share = (part: Row[], label: string) => part.filter((row) => row.Species === label).length / part.length;
    for (const label of ['Adelie', 'Chinstrap', 'Gentoo']) {
      expect(Math.abs(share(split.holdout, label) - share(rows, label))).toBeLessThan(0.02);
      expect(Math.abs(share(split.train, label) - share(rows, label))).toBeLessThan(0.02);
    }
  });

  it('refuses too few rows, saying how many are needed', () => {
    expect(MIN_TRAINING_ROWS).toBe(20);
    expect(() => splitDataset(rows.slice(0, 12))).toThrow(DatasetError);
    expect(() => splitDataset(rows.slice(0, 12))).toThrow(/at least 20 rows .*the dataset has 12/);
    expect(splitDataset(rows.slice(0, 20)).holdout).toHaveLength(4);
  });
});

describe('trainCandidates', () => {
  const results: TrainingResult[] = [];
  let penguinResult: TrainingResult;
  let carResult: TrainingResult;
  const progress: TrainingProgress[] = [];

  beforeAll(async () => {
    penguinResult = await trainCandidates(
      { rows: penguins(), schema: penguinSchema, target: { name: 'Species', task: 'multiclass' }, seed: 7, maxEpochs: 80 },
      (p) => progress.push(p),
    );
    carResult = await trainCandidates({
      rows: cars(),
      schema: carSchema,
      target: { name: 'Miles_per_Gallon', task: 'regression' },
      seed: 7,
      maxEpochs: 80,
    });
    results.push(penguinResult, carResult);
  });
  afterAll(() => disposeAll(results));

  it('trains a logistic baseline and two MLPs on the penguins; the best reaches holdout accuracy ≥ 0.9', () => {
    expect(penguinResult.candidates.map((c) => [c.name, c.algorithm, c.status])).toEqual([
      ['logistic', 'logistic', 'ready'],
      ['mlp-16', 'mlp', 'ready'],
      ['mlp-64', 'mlp', 'ready'],
    ]);
    const best = bestCandidate('multiclass', penguinResult.candidates)!;
    const metrics = best.metrics as ClassificationMetrics;
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(metrics.macroF1).toBeGreaterThan(0.85);
    expect(metrics.rocAuc).toBeUndefined();
    expect(penguinResult.holdoutRows).toHaveLength(69);
    expect(penguinResult.spec.target).toEqual({ name: 'Species', task: 'multiclass', labels: ['Adelie', 'Chinstrap', 'Gentoo'] });
  });

  it('reports metrics that match its own holdout predictions', () => {
    const best = bestCandidate('multiclass', penguinResult.candidates)!;
    const predictions = predictRows(best.model!, penguinResult.spec, penguinResult.holdoutRows);
    expect(predictions).toHaveLength(69);
    const right = predictions.filter((p, i) => p.prediction === penguinResult.holdoutRows[i].Species).length;
    expect((best.metrics as ClassificationMetrics).accuracy).toBe(right / 69);
    expect(best.holdoutDistribution).toMatchObject({ kind: 'classes' });
    const counts = (best.holdoutDistribution as { counts: Record<string, number> }).counts;
    expect(Object.keys(counts)).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(Object.values(counts).reduce((a, b) => a + b)).toBe(69);
  });

  it('stops early on the validation loss and tells progress every epoch', () => {
    for (const candidate of penguinResult.candidates) {
      expect(candidate.epochs).toBeGreaterThan(0);
      expect(candidate.epochs).toBeLessThanOrEqual(80);
      const epochs = progress.filter((p) => p.candidate === candidate.name);
      expect(epochs.map((p) => p.epoch)).toEqual(Array.from({ length: candidate.epochs }, (_, i) => i + 1));
      expect(epochs.every((p) => Number.isFinite(p.loss) && Number.isFinite(p.valLoss))).toBe(true);
      // Training made progress: the last loss is below the first.
      expect(epochs.at(-1)!.loss).toBeLessThan(epochs[0].loss);
      expect(candidate.trainingMs).toBeGreaterThan(0);
    }
  });

  it('keeps the weights of the epoch with the best validation loss', () => {
    // The split is seeded, so the validation rows can be rebuilt here.
    const { validation } = splitDataset(penguins(), { seed: 7, stratifyBy: 'Species' });
    const spec = penguinResult.spec;
    for (const candidate of penguinResult.candidates) {
      const losses = progress.filter((p) => p.candidate === candidate.name).map((p) => p.valLoss!);
      const x = tf.tensor2d(encodeRows(spec, validation, { mode: 'best_effort' }).data, [validation.length, spec.inputWidth]);
      const y = tf.tensor2d(encodeTargets(spec, validation).data, [validation.length, 3]);
      const loss = candidate.model!.evaluate(x, y) as tf.Scalar;
      expect(loss.dataSync()[0]).toBeCloseTo(Math.min(...losses), 5);
      tf.dispose([x, y, loss]);
    }
    // Some candidate ran past its best epoch, so the restore was needed.
    const ranPastBest = penguinResult.candidates.some((c) => {
      const losses = progress.filter((p) => p.candidate === c.name).map((p) => p.valLoss!);
      return losses.at(-1)! > Math.min(...losses);
    });
    expect(ranPastBest).toBe(true);
  });

  it('predicts the cars’ fuel economy with R² ≥ 0.6, dropping the 8 cars without a target', () => {
    expect(carResult.droppedRows).toBe(8);
    expect(carResult.candidates.map((c) => [c.name, c.algorithm, c.status])).toEqual([
      ['linear', 'linear', 'ready'],
      ['mlp-16', 'mlp', 'ready'],
      ['mlp-64', 'mlp', 'ready'],
    ]);
    const best = bestCandidate('regression', carResult.candidates)!;
    const metrics = best.metrics as RegressionMetrics;
    expect(metrics.r2).toBeGreaterThanOrEqual(0.6);
    expect(metrics.rmse).toBe(Math.min(...carResult.candidates.map((c) => (c.metrics as RegressionMetrics).rmse)));
    expect(metrics.mae).toBeLessThan(metrics.rmse);
    expect(best.holdoutDistribution).toMatchObject({ kind: 'bins' });
    const holdoutMpg = carResult.holdoutRows.map((row) => row.Miles_per_Gallon);
    expect(holdoutMpg.every((v) => typeof v === 'number')).toBe(true);
  });

  it('gives the same models for the same seed', async () => {
    const again = await trainCandidates({
      rows: penguins(),
      schema: penguinSchema,
      target: { name: 'Species', task: 'multiclass' },
      seed: 7,
      maxEpochs: 80,
      candidates: [{ name: 'logistic', algorithm: 'logistic', hiddenUnits: [], learningRate: 0.05 }],
    });
    results.push(again);
    const first = penguinResult.candidates[0];
    expect(again.candidates[0].epochs).toBe(first.epochs);
    expect(again.candidates[0].metrics).toEqual(first.metrics);
    const weights = (c: CandidateResult) => c.model!.getWeights().map((w) => Array.from(w.dataSync()));
    expect(weights(again.candidates[0])).toEqual(weights(first));
  });

  it('lets a broken candidate fail alone, with its reason', async () => {
    const result = await trainCandidates({
      rows: penguins(),
      schema: penguinSchema,
      target: { name: 'Species', task: 'multiclass' },
      maxEpochs: 5,
      candidates: [
        { name: 'diverging', algorithm: 'mlp', hiddenUnits: [8], learningRate: Number.NaN },
        { name: 'logistic', algorithm: 'logistic', hiddenUnits: [], learningRate: 0.05 },
      ],
    });
    results.push(result);
    expect(result.candidates[0]).toMatchObject({ name: 'diverging', status: 'failed', failureReason: expect.stringMatching(/^training diverged: .*NaN.* at epoch 1$/) });
    expect(result.candidates[0].model).toBeUndefined();
    expect(result.candidates[1]).toMatchObject({ name: 'logistic', status: 'ready' });
    expect(bestCandidate('multiclass', result.candidates)!.name).toBe('logistic');
  });

  it('trains a binary model (one sigmoid unit) with ROC AUC on the penguins’ sex', async () => {
    const rows = penguins().filter((row) => row.Sex === 'MALE' || row.Sex === 'FEMALE');
    const result = await trainCandidates({
      rows,
      schema: penguinSchema.filter((f) => f.name !== 'Sex'),
      target: { name: 'Sex', task: 'binary' },
      seed: 2,
      maxEpochs: 60,
      candidates: [{ name: 'logistic', algorithm: 'logistic', hiddenUnits: [], learningRate: 0.05 }],
    });
    results.push(result);
    const [candidate] = result.candidates;
    expect(candidate.model!.outputs[0].shape).toEqual([null, 1]);
    const metrics = candidate.metrics as ClassificationMetrics;
    expect(metrics.rocAuc).toBeGreaterThan(0.85);
    expect(metrics.accuracy).toBeGreaterThan(0.75);
  });

  it('refuses bad data before training, naming the problem', async () => {
    const train = (rows: Row[]) =>
      trainCandidates({ rows, schema: penguinSchema, target: { name: 'Species', task: 'multiclass' }, maxEpochs: 1 });
    const few = ['Adelie', 'Chinstrap', 'Gentoo'].flatMap((label) => penguins().filter((row) => row.Species === label).slice(0, 5));
    await expect(train(few)).rejects.toThrow(/at least 20 rows .*has 15/);
    await expect(train(penguins().filter((row) => row.Species === 'Gentoo'))).rejects.toThrow(/column "Species": the target has the same value/);
    const text = penguins().map((row, i) => (i % 2 ? { ...row, 'Body Mass (g)': 'heavy' } : row));
    await expect(train(text)).rejects.toThrow(/row 2, column "Body Mass \(g\)": .*"heavy"/);
  });

  it('leaves no tensors behind but the models it returns', async () => {
    const before = tf.memory().numTensors;
    const result = await trainCandidates({
      rows: penguins(),
      schema: penguinSchema,
      target: { name: 'Species', task: 'multiclass' },
      maxEpochs: 3,
      candidates: [{ name: 'mlp-16', algorithm: 'mlp', hiddenUnits: [16], learningRate: 0.01 }],
    });
    predictRows(result.candidates[0].model!, result.spec, penguins());
    result.candidates[0].model!.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('bestCandidate', () => {
  const ready = (name: string, metrics: object): CandidateResult =>
    ({ name, algorithm: 'mlp', status: 'ready', metrics, trainingMs: 1, epochs: 1 }) as CandidateResult;

  it('picks the lowest RMSE or log loss and ignores failed candidates', () => {
    const failed: CandidateResult = { name: 'x', algorithm: 'mlp', status: 'failed', failureReason: 'boom', trainingMs: 1, epochs: 0 };
    expect(bestCandidate('regression', [ready('a', { rmse: 3, mae: 1, r2: 0.5 }), failed, ready('b', { rmse: 2, mae: 1, r2: 0.6 })])!.name).toBe('b');
    expect(bestCandidate('binary', [ready('a', { accuracy: 0.9, logLoss: 0.2, macroF1: 0.9 }), ready('b', { accuracy: 0.95, logLoss: 0.3, macroF1: 0.9 })])!.name).toBe('a');
    expect(bestCandidate('binary', [failed])).toBeUndefined();
  });
});
