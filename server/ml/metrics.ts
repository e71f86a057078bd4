import type { ClassificationMetrics, Prediction, RegressionMetrics, Task } from './types';

/**
 * Evaluation metrics on plain arrays. Every function takes the true values first and
 * requires arrays of the same, non-zero length.
 */

/** Probabilities are clipped to [LOG_LOSS_EPSILON, 1 − LOG_LOSS_EPSILON] so one confident miss is finite. */
export const LOG_LOSS_EPSILON = 1e-15;

/** Root mean squared error. */
export function rmse(actual: readonly number[], predicted: readonly number[]): number {
  checkLengths(actual, predicted);
  return Math.sqrt(actual.reduce((sum, y, i) => sum + (y - predicted[i]) ** 2, 0) / actual.length);
}

/** Mean absolute error. */
export function mae(actual: readonly number[], predicted: readonly number[]): number {
  checkLengths(actual, predicted);
  return actual.reduce((sum, y, i) => sum + Math.abs(y - predicted[i]), 0) / actual.length;
}

/**
 * Coefficient of determination, 1 − SS_res / SS_tot. When the actual values are all equal
 * (SS_tot = 0) it is 1 for a perfect fit and 0 otherwise, as scikit-learn reports it.
 */
export function r2(actual: readonly number[], predicted: readonly number[]): number {
  checkLengths(actual, predicted);
  const mean = actual.reduce((sum, y) => sum + y, 0) / actual.length;
  const residual = actual.reduce((sum, y, i) => sum + (y - predicted[i]) ** 2, 0);
  const total = actual.reduce((sum, y) => sum + (y - mean) ** 2, 0);
  if (total === 0) return residual === 0 ? 1 : 0;
  return 1 - residual / total;
}

/** Share of predictions equal to the actual label. */
export function accuracy(actual: readonly string[], predicted: readonly string[]): number {
  checkLengths(actual, predicted);
  return actual.filter((label, i) => label === predicted[i]).length / actual.length;
}

/**
 * Mean negative log of the probability given to the actual label (natural log). A label
 * absent from a row's probabilities counts as probability 0, clipped.
 */
export function logLoss(actual: readonly string[], probabilities: ReadonlyArray<Readonly<Record<string, number>>>): number {
  checkLengths(actual, probabilities);
  const clip = (p: number) => Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, p));
  return actual.reduce((sum, label, i) => sum - Math.log(clip(probabilities[i][label] ?? 0)), 0) / actual.length;
}

/**
 * Unweighted mean of per-label F1 over every label that occurs in `actual` or `predicted`
 * (scikit-learn's `average='macro'`); a label never predicted correctly scores 0.
 */
export function macroF1(actual: readonly string[], predicted: readonly string[]): number {
  checkLengths(actual, predicted);
  const labels = new Set([...actual, ...predicted]);
  let total = 0;
  for (const label of labels) {
    let truePositives = 0;
    let falsePositives = 0;
    let falseNegatives = 0;
    actual.forEach((y, i) => {
      const hit = predicted[i] === label;
      if (y === label && hit) truePositives++;
      else if (hit) falsePositives++;
      else if (y === label) falseNegatives++;
    });
    const denominator = 2 * truePositives + falsePositives + falseNegatives;
    total += denominator === 0 ? 0 : (2 * truePositives) / denominator;
  }
  return total / labels.size;
}

/**
 * Area under the ROC curve for a binary task: the probability that a random positive scores
 * above a random negative, ties counting one half (Mann–Whitney U with mid-ranks). NaN when
 * `actual` holds only one class, where the AUC is undefined.
 */
export function rocAuc(actual: readonly boolean[], scores: readonly number[]): number {
  checkLengths(actual, scores);
  const order = scores.map((score, i) => ({ score, positive: actual[i] })).sort((a, b) => a.score - b.score);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].score === order[start].score) end++;
    const midRank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) {
      if (order[i].positive) {
        positives++;
        positiveRankSum += midRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** RMSE, MAE and R² of regression predictions. */
export function regressionMetrics(actual: readonly number[], predictions: readonly Prediction[]): RegressionMetrics {
  const predicted = predictions.map(({ prediction }) => Number(prediction));
  return { rmse: rmse(actual, predicted), mae: mae(actual, predicted), r2: r2(actual, predicted) };
}

/**
 * Accuracy, log loss and macro F1 of classification predictions; for a binary task also the
 * ROC AUC of `labels[1]` (the positive label, as in preprocessing), left out when undefined.
 */
export function classificationMetrics(
  task: Exclude<Task, 'regression'>,
  actual: readonly string[],
  predictions: readonly Prediction[],
  labels: readonly string[],
): ClassificationMetrics {
  const predicted = predictions.map(({ prediction }) => String(prediction));
  const probabilities = predictions.map(({ probabilities }) => probabilities ?? {});
  const metrics: ClassificationMetrics = {
    accuracy: accuracy(actual, predicted),
    logLoss: logLoss(actual, probabilities),
    macroF1: macroF1(actual, predicted),
  };
  if (task === 'binary') {
    const positive = labels[1];
    const auc = rocAuc(
      actual.map((label) => label === positive),
      probabilities.map((p) => p[positive] ?? 0),
    );
    if (!Number.isNaN(auc)) metrics.rocAuc = auc;
  }
  return metrics;
}

function checkLengths(actual: ArrayLike<unknown>, predicted: ArrayLike<unknown>): void {
  if (actual.length !== predicted.length) {
    throw new RangeError(`expected as many predictions as actual values, got ${predicted.length} for ${actual.length}`);
  }
  if (actual.length === 0) throw new RangeError('cannot compute a metric on zero values');
}
