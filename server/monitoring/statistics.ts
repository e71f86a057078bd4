import type { Prediction } from '../ml/types';
import { accuracy, mae, macroF1, rmse } from '../ml/metrics';

/**
 * Statistics monitoring reads from hourly aggregates: latency histograms, main/challenger
 * comparison sums (which add up across hours and replicas), and performance on labelled rows.
 */

/**
 * Upper edges of the latency bins, in milliseconds. Bins are [0, e0), [e0, e1), …, [last, ∞):
 * roughly 1-2-5 steps, fine enough below a millisecond for micro-batched small models.
 */
export const LATENCY_EDGES_MS: readonly number[] = [0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

/** The latency bin of a duration; negative (clock skew) and NaN durations count in the first bin. */
export function latencyBin(ms: number): number {
  let bin = 0;
  while (bin < LATENCY_EDGES_MS.length && ms >= LATENCY_EDGES_MS[bin]) bin++;
  return bin;
}

/**
 * The q-quantile of a histogram on bins [0, e0), [e0, e1), …, [last, ∞), interpolating
 * linearly inside the bin as Prometheus' histogram_quantile does; the open last bin answers
 * its lower edge. Empty bins are skipped, so q = 0 gives the lower edge of the first occupied
 * bin. Null for an empty histogram, `[]` included (an hour without requests stores no bins).
 */
export function histogramQuantile(counts: readonly number[], edges: readonly number[], q: number): number | null {
  if (counts.length === 0) return null;
  if (counts.length !== edges.length + 1) throw new RangeError(`expected ${edges.length + 1} counts for ${edges.length} edges, got ${counts.length}`);
  if (!(q >= 0 && q <= 1)) throw new RangeError(`a quantile must be between 0 and 1, got ${q}`);
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total <= 0) return null;
  const rank = q * total;
  let below = 0;
  for (let bin = 0; bin < counts.length; bin++) {
    const count = counts[bin];
    if (count > 0 && below + count >= rank) {
      const lower = bin === 0 ? 0 : edges[bin - 1];
      if (bin === edges.length) return lower;
      return lower + (edges[bin] - lower) * Math.max(0, rank - below) / count;
    }
    below += count;
  }
  // Only reachable through rounding of q · total at q = 1.
  return edges.length === 0 ? 0 : edges[edges.length - 1];
}

/**
 * Running sums of main/challenger pairs, additive so hourly rows merge by plain addition.
 * Every pair counts in `agreements` when both models answer the same; regression pairs (both
 * predictions numbers) also fill the numeric sums, x the main model's and y the challenger's.
 */
export interface PairSums {
  pairs: number;
  agreements: number;
  sumAbsDiff: number;
  sumX: number;
  sumY: number;
  sumXY: number;
  sumXX: number;
  sumYY: number;
}

/** How the challenger compares with the main model over a set of pairs. */
export interface PairComparison {
  pairs: number;
  /** Share of pairs with the same label; classification. */
  agreementRate: number | null;
  /** Mean |main − challenger|; regression. */
  meanAbsoluteDifference: number | null;
  /** Pearson correlation of main and challenger predictions; regression, null without variance. */
  correlation: number | null;
}

/** Sums over no pairs. */
export function emptyPairSums(): PairSums {
  return { pairs: 0, agreements: 0, sumAbsDiff: 0, sumX: 0, sumY: 0, sumXY: 0, sumXX: 0, sumYY: 0 };
}

/** Adds one pair to `sums` in place; a numeric pair with a non-finite value is left out. */
export function addPair(sums: PairSums, main: Prediction, challenger: Prediction): void {
  const x = main.prediction;
  const y = challenger.prediction;
  if (typeof x === 'number' && typeof y === 'number') {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    sums.pairs++;
    if (x === y) sums.agreements++;
    sums.sumAbsDiff += Math.abs(x - y);
    sums.sumX += x;
    sums.sumY += y;
    sums.sumXY += x * y;
    sums.sumXX += x * x;
    sums.sumYY += y * y;
    return;
  }
  sums.pairs++;
  if (String(x) === String(y)) sums.agreements++;
}

/** The sums of two sets of pairs together. */
export function mergePairSums(a: PairSums, b: PairSums): PairSums {
  return {
    pairs: a.pairs + b.pairs,
    agreements: a.agreements + b.agreements,
    sumAbsDiff: a.sumAbsDiff + b.sumAbsDiff,
    sumX: a.sumX + b.sumX,
    sumY: a.sumY + b.sumY,
    sumXY: a.sumXY + b.sumXY,
    sumXX: a.sumXX + b.sumXX,
    sumYY: a.sumYY + b.sumYY,
  };
}

/**
 * Agreement, mean absolute difference and Pearson correlation from the sums; null where
 * undefined (no pairs; fewer than two pairs or a constant side for the correlation). The sums
 * cannot tell a classification from a regression, so pass `task` to null the measures that do
 * not apply (agreement of regression numbers means "exactly equal", rarely useful).
 */
export function comparisonFromSums(sums: PairSums, task?: 'classification' | 'regression'): PairComparison {
  const { pairs } = sums;
  const classification = task !== 'regression';
  const regression = task !== 'classification';
  return {
    pairs,
    agreementRate: classification && pairs > 0 ? sums.agreements / pairs : null,
    meanAbsoluteDifference: regression && pairs > 0 ? sums.sumAbsDiff / pairs : null,
    correlation: regression ? pearson(sums) : null,
  };
}

export interface ClassificationPerformance {
  accuracy: number;
  macroF1: number;
}

export interface RegressionPerformance {
  rmse: number;
  mae: number;
}

/** Accuracy and macro F1 of labelled live predictions; null without any. */
export function classificationPerformance(actual: readonly string[], predicted: readonly string[]): ClassificationPerformance | null {
  if (actual.length === 0 && predicted.length === 0) return null;
  return { accuracy: accuracy(actual, predicted), macroF1: macroF1(actual, predicted) };
}

/** RMSE and MAE of labelled live predictions; null without any. */
export function regressionPerformance(actual: readonly number[], predicted: readonly number[]): RegressionPerformance | null {
  if (actual.length === 0 && predicted.length === 0) return null;
  return { rmse: rmse(actual, predicted), mae: mae(actual, predicted) };
}

/**
 * Relative size below which a variance computed from sums is rounding noise: Σx² − (Σx)²/n
 * of a constant column is rarely exactly 0 in floating point.
 */
const VARIANCE_TOLERANCE = 1e-12;

function pearson(sums: PairSums): number | null {
  const n = sums.pairs;
  if (n < 2) return null;
  const varianceX = sums.sumXX - (sums.sumX * sums.sumX) / n;
  const varianceY = sums.sumYY - (sums.sumY * sums.sumY) / n;
  if (varianceX <= VARIANCE_TOLERANCE * sums.sumXX || varianceY <= VARIANCE_TOLERANCE * sums.sumYY) return null;
  if (varianceX <= 0 || varianceY <= 0) return null;
  const covariance = sums.sumXY - (sums.sumX * sums.sumY) / n;
  return Math.max(-1, Math.min(1, covariance / Math.sqrt(varianceX * varianceY)));
}
