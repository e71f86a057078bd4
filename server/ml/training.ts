import type { FeatureSchema, Metrics, Prediction, PredictionDistribution, PreprocessingSpec, Row, Task } from './types';
import { DatasetError } from './errors';
import { checkTrainingData, decodeOutputs, encodeRows, encodeTargets, fitPreprocessing, outputWidth, type TargetChoice } from './preprocessing';
import { classificationMetrics, regressionMetrics } from './metrics';
import { predictionDistribution } from './profile';
import { seededRandom, shuffledIndices, type Random } from './random';
import { initTensorflow, tf } from './tensorflow';
import { compareText, isMissing, parseCategory, parseNumber } from './values';

/**
 * Trains several small TF.js models on one dataset and evaluates them on a holdout split
 * none of them saw. Everything is seeded (split, initial weights, epoch order), so the same
 * data, seed and backend give the same models.
 */

/** Fewer rows than this cannot give a training, a validation and a holdout split worth the name. */
export const MIN_TRAINING_ROWS = 20;
const BATCH_SIZE = 32;
/** A validation loss must improve by more than this to count as better. */
const MIN_IMPROVEMENT = 1e-4;

/** Shares of the rows for each split; what is left trains. */
export interface SplitOptions {
  /** Share of rows kept apart to evaluate the trained models (default 0.2). */
  holdout?: number;
  /** Share of rows used for early stopping (default 0.15). */
  validation?: number;
  seed?: number;
  /** Column whose values keep their proportions in every split (a classification target). */
  stratifyBy?: string;
}

/** Disjoint parts of a dataset: fit on train, stop early on validation, report on holdout. */
export interface DatasetSplit {
  train: Row[];
  validation: Row[];
  holdout: Row[];
}

/** linear and logistic are the no-hidden-layer baselines (regression and classification). */
export type Algorithm = 'linear' | 'logistic' | 'mlp';

/** One model to try: the baseline has no hidden layer, an MLP one ReLU layer per entry. */
export interface CandidateConfig {
  name: string;
  algorithm: Algorithm;
  hiddenUnits: number[];
  learningRate: number;
}

/** The rows (as read, with their target), the features to use and what to predict. */
export interface TrainingInput {
  rows: Row[];
  schema: FeatureSchema[];
  target: TargetChoice;
  seed?: number;
  /** Upper bound on epochs per candidate (default 200); early stopping usually ends sooner. */
  maxEpochs?: number;
  /** Epochs without a better validation loss before a candidate stops (default 15). */
  patience?: number;
  /** Replaces the default candidates (`defaultCandidates(task)`). */
  candidates?: CandidateConfig[];
}

/** Sent after each epoch of each candidate, for live progress in the console. */
export interface TrainingProgress {
  candidate: string;
  epoch: number;
  loss: number;
  valLoss?: number;
}

/**
 * What one candidate produced. The caller owns `model` and must dispose it; it is for
 * inference and saving (its optimizer state is already released).
 */
export interface CandidateResult {
  name: string;
  algorithm: Algorithm;
  status: 'ready' | 'failed';
  failureReason?: string;
  model?: tf.LayersModel;
  /** On the holdout split. */
  metrics?: Metrics;
  holdoutDistribution?: PredictionDistribution;
  trainingMs: number;
  /** Epochs run; the model keeps the weights of the epoch with the best validation loss. */
  epochs: number;
}

/** Everything a training run produced; the version stores `spec`, each model its candidate. */
export interface TrainingResult {
  /** Fitted on the training split only. */
  spec: PreprocessingSpec;
  holdoutRows: Row[];
  candidates: CandidateResult[];
  /** Rows left out because their target is missing. */
  droppedRows: number;
}

/**
 * Splits rows into train, validation and holdout in a seeded random order (stratified when
 * asked). Throws `DatasetError` when there are fewer than `MIN_TRAINING_ROWS` rows.
 */
export function splitDataset(rows: Row[], options: SplitOptions = {}): DatasetSplit {
  const holdout = options.holdout ?? 0.2;
  const validation = options.validation ?? 0.15;
  if (!(holdout > 0 && validation > 0 && holdout + validation < 1)) {
    throw new RangeError(`holdout (${holdout}) and validation (${validation}) must be positive shares that leave rows to train on`);
  }
  if (rows.length < MIN_TRAINING_ROWS) {
    throw new DatasetError(
      {},
      `training needs at least ${MIN_TRAINING_ROWS} rows with a target (to train, validate and evaluate); the dataset has ${rows.length}`,
    );
  }
  const random = seededRandom(options.seed ?? 1);
  const groups = groupIndices(rows, options.stratifyBy);
  const sizes = groups.map((group) => group.length);
  const holdoutShares = allocate(sizes, Math.max(1, Math.round(rows.length * holdout)));
  const validationShares = allocate(
    sizes.map((size, i) => size - holdoutShares[i]),
    Math.max(1, Math.round(rows.length * validation)),
  );
  const split: { train: number[]; validation: number[]; holdout: number[] } = { train: [], validation: [], holdout: [] };
  groups.forEach((group, g) => {
    const order = shuffledIndices(group.length, random).map((i) => group[i]);
    split.holdout.push(...order.slice(0, holdoutShares[g]));
    split.validation.push(...order.slice(holdoutShares[g], holdoutShares[g] + validationShares[g]));
    split.train.push(...order.slice(holdoutShares[g] + validationShares[g]));
  });
  // Groups were filled one after the other; mix them so no split is ordered by class.
  const pick = (indices: number[]) => shuffledIndices(indices.length, random).map((i) => rows[indices[i]]);
  return { train: pick(split.train), validation: pick(split.validation), holdout: pick(split.holdout) };
}

/** The candidates trained by default: a linear (regression) or logistic baseline and two MLPs. */
export function defaultCandidates(task: Task): CandidateConfig[] {
  const baseline: CandidateConfig =
    task === 'regression'
      ? { name: 'linear', algorithm: 'linear', hiddenUnits: [], learningRate: 0.05 }
      : { name: 'logistic', algorithm: 'logistic', hiddenUnits: [], learningRate: 0.05 };
  return [
    baseline,
    { name: 'mlp-16', algorithm: 'mlp', hiddenUnits: [16], learningRate: 0.01 },
    { name: 'mlp-64', algorithm: 'mlp', hiddenUnits: [64], learningRate: 0.01 },
  ];
}

/**
 * Checks the data, drops rows without a target, splits (stratified for classification),
 * fits the preprocessing spec on the training split, then trains each candidate with Adam
 * and early stopping on the validation loss, and evaluates it on the holdout split. A
 * candidate that throws (or diverges) is reported as failed with its reason; the others
 * go on. Data problems throw `DatasetError` before any training. `onProgress` is told after
 * every epoch; it is advisory, so what it throws is ignored.
 */
export async function trainCandidates(input: TrainingInput, onProgress?: (progress: TrainingProgress) => void): Promise<TrainingResult> {
  await initTensorflow();
  const { schema, target } = input;
  const seed = input.seed ?? 1;
  const { spec, split, rows } = fitTrainingSpec(input.rows, schema, target, seed);
  // A label too rare to reach the training split cannot be learned or validated against.
  const validationRows =
    spec.target.task === 'regression' ? split.validation : split.validation.filter((row) => knownLabel(spec, row));

  const candidates: CandidateResult[] = [];
  const tensors = tf.tidy(() => ({
    xTrain: inputTensor(spec, split.train),
    yTrain: targetTensor(spec, split.train),
    xValidation: inputTensor(spec, validationRows),
    yValidation: targetTensor(spec, validationRows),
  }));
  try {
    for (const [index, config] of (input.candidates ?? defaultCandidates(target.task)).entries()) {
      const started = performance.now();
      let epochs = 0;
      let trained: tf.LayersModel | undefined;
      try {
        trained = await trainOne(config, spec, tensors, {
          seed: seed * 1000 + index,
          maxEpochs: input.maxEpochs ?? 200,
          patience: input.patience ?? 15,
          report: (epoch, loss, valLoss) => {
            epochs = epoch;
            try {
              onProgress?.({ candidate: config.name, epoch, loss, valLoss });
            } catch {
              // Progress is advisory; a failing listener must not fail training.
            }
          },
        });
        const { metrics, distribution } = evaluateModel(trained, spec, split.holdout);
        candidates.push({
          name: config.name,
          algorithm: config.algorithm,
          status: 'ready',
          model: trained,
          metrics,
          holdoutDistribution: distribution,
          trainingMs: Math.round(performance.now() - started),
          epochs,
        });
      } catch (error) {
        // Evaluation can fail after training (a model that outputs NaN): free what was trained.
        trained?.dispose();
        candidates.push({
          name: config.name,
          algorithm: config.algorithm,
          status: 'failed',
          failureReason: error instanceof Error ? error.message : String(error),
          trainingMs: Math.round(performance.now() - started),
          epochs,
        });
      }
    }
  } finally {
    tf.dispose(tensors);
  }
  return { spec, holdoutRows: split.holdout, candidates, droppedRows: input.rows.length - rows.length };
}

/**
 * What training does before it trains: checks the data, drops rows without a target, splits
 * (stratified for classification) and fits the spec on the training split. An import of
 * models trained on the same data with the same seed gets the very same spec and split.
 */
export function fitTrainingSpec(inputRows: Row[], schema: FeatureSchema[], target: TargetChoice, seed = 1): { spec: PreprocessingSpec; split: DatasetSplit; rows: Row[] } {
  checkTrainingData(inputRows, schema, target);
  const rows = inputRows.filter((row) => !isMissing(row[target.name]));
  const split = splitDataset(rows, { seed, stratifyBy: target.task === 'regression' ? undefined : target.name });
  return { spec: fitPreprocessing(split.train, schema, target), split, rows };
}

/**
 * The ready candidate with the best holdout score: lowest RMSE for regression, lowest log
 * loss for classification (the first one on a tie); undefined when none is ready.
 */
export function bestCandidate(task: Task, candidates: CandidateResult[]): CandidateResult | undefined {
  const score = (candidate: CandidateResult): number => {
    const metrics = candidate.metrics;
    if (candidate.status !== 'ready' || metrics === undefined) return Number.POSITIVE_INFINITY;
    const value = task === 'regression' ? ('rmse' in metrics ? metrics.rmse : Number.NaN) : 'logLoss' in metrics ? metrics.logLoss : Number.NaN;
    return Number.isNaN(value) ? Number.POSITIVE_INFINITY : value;
  };
  let best: CandidateResult | undefined;
  for (const candidate of candidates) {
    if (score(candidate) === Number.POSITIVE_INFINITY) continue;
    if (best === undefined || score(candidate) < score(best)) best = candidate;
  }
  return best;
}

/**
 * Predicts rows in one batch: encode (best effort: bad values imputed) → model → decode.
 * Every tensor is disposed before returning. Throws `DatasetError` for a row that is not an
 * object, the only thing best-effort encoding cannot repair.
 */
export function predictRows(model: tf.LayersModel | tf.GraphModel, spec: PreprocessingSpec, rows: Row[]): Prediction[] {
  if (rows.length === 0) return [];
  const encoded = encodeRows(spec, rows, { mode: 'best_effort' });
  if (encoded.rejected.length > 0) {
    throw new DatasetError({ row: encoded.rejected[0] + 1 }, 'expected an object of feature values');
  }
  const outputs = tf.tidy(() => {
    const output = model.predict(tf.tensor2d(encoded.data, [encoded.count, encoded.width]), {});
    if (!(output instanceof tf.Tensor)) throw new Error('the model has several outputs; Berth serves models with exactly one');
    return output.dataSync();
  });
  return decodeOutputs(spec, Float32Array.from(outputs), encoded.count);
}

interface TrainingTensors {
  xTrain: tf.Tensor2D;
  yTrain: tf.Tensor2D;
  xValidation: tf.Tensor2D;
  yValidation: tf.Tensor2D;
}

interface TrainOptions {
  seed: number;
  maxEpochs: number;
  patience: number;
  report: (epoch: number, loss: number, valLoss: number | undefined) => void;
}

async function trainOne(config: CandidateConfig, spec: PreprocessingSpec, tensors: TrainingTensors, options: TrainOptions): Promise<tf.LayersModel> {
  const model = buildModel(config, spec, options.seed);
  const random: Random = seededRandom(options.seed);
  const validationData: [tf.Tensor, tf.Tensor] | undefined =
    tensors.xValidation.shape[0] > 0 ? [tensors.xValidation, tensors.yValidation] : undefined;
  const rowCount = tensors.xTrain.shape[0];
  let bestLoss = Number.POSITIVE_INFINITY;
  let bestWeights: tf.Tensor[] | undefined;
  let sinceBest = 0;
  try {
    for (let epoch = 1; epoch <= options.maxEpochs; epoch++) {
      // Our own seeded epoch order: fit's `shuffle` draws from Math.random.
      const [x, y] = tf.tidy(() => {
        const order = tf.tensor1d(shuffledIndices(rowCount, random), 'int32');
        return [tf.gather(tensors.xTrain, order), tf.gather(tensors.yTrain, order)];
      });
      const history = await model
        .fit(x, y, { epochs: 1, batchSize: BATCH_SIZE, shuffle: false, validationData, verbose: 0, yieldEvery: 'never' })
        .finally(() => tf.dispose([x, y]));
      const loss = Number(history.history.loss[0]);
      const valLoss = validationData ? Number(history.history.val_loss[0]) : undefined;
      if (!Number.isFinite(loss) || (valLoss !== undefined && !Number.isFinite(valLoss))) {
        throw new Error(`training diverged: the loss became ${Number.isFinite(loss) ? valLoss : loss} at epoch ${epoch}`);
      }
      // TF.js clips probabilities inside its losses, so NaN weights can still report a finite loss.
      if (!model.getWeights().every((weight) => weight.dataSync().every(Number.isFinite))) {
        throw new Error(`training diverged: the weights became NaN or infinite at epoch ${epoch}`);
      }
      options.report(epoch, loss, valLoss);
      // fit resolves through microtasks only; let requests and timers of the server run between epochs.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const monitored = valLoss ?? loss;
      if (monitored < bestLoss - MIN_IMPROVEMENT) {
        bestLoss = monitored;
        tf.dispose(bestWeights);
        bestWeights = model.getWeights().map((weight) => weight.clone());
        sinceBest = 0;
      } else if (++sinceBest >= options.patience) {
        break;
      }
    }
    if (bestWeights) model.setWeights(bestWeights);
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose(bestWeights);
    // A model compiled with an optimizer instance does not own it: its moments would leak.
    model.optimizer?.dispose();
  }
}

function buildModel(config: CandidateConfig, spec: PreprocessingSpec, seed: number): tf.LayersModel {
  const task = spec.target.task;
  const model = tf.sequential({ name: config.name.replace(/[^A-Za-z0-9_]/g, '_') });
  config.hiddenUnits.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: 'relu',
        inputShape: i === 0 ? [spec.inputWidth] : undefined,
        kernelInitializer: tf.initializers.heNormal({ seed: seed + i }),
      }),
    );
  });
  model.add(
    tf.layers.dense({
      units: outputWidth(spec.target),
      activation: task === 'regression' ? 'linear' : task === 'binary' ? 'sigmoid' : 'softmax',
      inputShape: config.hiddenUnits.length === 0 ? [spec.inputWidth] : undefined,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + config.hiddenUnits.length }),
    }),
  );
  model.compile({
    optimizer: tf.train.adam(config.learningRate),
    loss: task === 'regression' ? 'meanSquaredError' : task === 'binary' ? 'binaryCrossentropy' : 'categoricalCrossentropy',
  });
  return model;
}

/** Holdout metrics and prediction distribution of a model, trained here or imported. */
export function evaluateModel(model: tf.LayersModel | tf.GraphModel, spec: PreprocessingSpec, holdout: Row[]): { metrics: Metrics; distribution: PredictionDistribution } {
  const predictions = predictRows(model, spec, holdout);
  const target = spec.target;
  if (target.task === 'regression') {
    const actual = holdout.map((row) => parseNumber(row[target.name]) ?? Number.NaN);
    return { metrics: regressionMetrics(actual, predictions), distribution: predictionDistribution('regression', predictions) };
  }
  const actual = holdout.map((row) => parseCategory(row[target.name]) ?? '');
  return {
    metrics: classificationMetrics(target.task, actual, predictions, target.labels),
    distribution: predictionDistribution(target.task, predictions, target.labels),
  };
}

function inputTensor(spec: PreprocessingSpec, rows: Row[]): tf.Tensor2D {
  const encoded = encodeRows(spec, rows, { mode: 'best_effort', firstRowNumber: 1 });
  return tf.tensor2d(encoded.data, [encoded.count, encoded.width]);
}

function targetTensor(spec: PreprocessingSpec, rows: Row[]): tf.Tensor2D {
  const encoded = encodeTargets(spec, rows);
  return tf.tensor2d(encoded.data, [encoded.count, encoded.width]);
}

function knownLabel(spec: PreprocessingSpec, row: Row): boolean {
  return spec.target.task !== 'regression' && spec.target.labels.includes(parseCategory(row[spec.target.name]) ?? '');
}

function groupIndices(rows: Row[], column: string | undefined): number[][] {
  if (column === undefined) return [rows.map((_, i) => i)];
  const groups = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const key = parseCategory(row[column]) ?? '';
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  // Map order is first-seen order, which depends on the file; sort so the split does not.
  return [...groups].sort(([a], [b]) => compareText(a, b)).map(([, group]) => group);
}

/** Splits `total` across groups in proportion to their sizes (largest remainder), capped by each size. */
function allocate(sizes: number[], total: number): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((size) => (sum === 0 ? 0 : (size * total) / sum));
  const shares = exact.map((x, i) => Math.min(Math.floor(x), sizes[i]));
  let remaining = total - shares.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ fraction: x - Math.floor(x), i })).sort((a, b) => b.fraction - a.fraction || a.i - b.i);
  for (const { i } of order) {
    if (remaining <= 0) break;
    if (shares[i] < sizes[i]) {
      shares[i]++;
      remaining--;
    }
  }
  return shares;
}
