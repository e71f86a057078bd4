import type { FeatureProfile, FeatureType, PredictionDistribution } from '../experiments/ml/types';
import { binCount, binLabels, numericBin } from '../experiments/ml/profile';
import { compareText, parseNumber } from '../experiments/ml/values';

/**
 * Drift of live data against the training data, on the bins of the reference profile (see
 * the layout in `experiments/ml/profile.ts`). Everything here works on counts per bin, so it
 * reads hourly aggregates and never the prediction log.
 *
 * Prediction layout (what `predictionBin` returns): for a `classes` distribution, its labels
 * in code-point order, then one "other" bin for a label the reference never saw; for a `bins`
 * distribution, the numeric feature layout on its edges (below, inner bins, above, missing).
 */

/**
 * Share given to an empty bin in PSI, whose log ratio is otherwise infinite: one new category
 * would make any drift "infinite". 1e-4 is what Evidently and most PSI write-ups use.
 */
export const PSI_EPSILON = 1e-4;

/** When a feature, the predictions or the whole dataset count as drifted. */
export interface DriftThresholds {
  /** A distribution drifts at or above this Jensen–Shannon distance (base 2, in [0, 1]). */
  jensenShannon: number;
  /** A numeric distribution drifts at or above this Wasserstein distance, in reference stds. */
  wasserstein: number;
  /** Fewer live rows than this give no scores: a handful of rows always looks drifted. */
  minRows: number;
  /** The dataset drifts when at least this share of the scored features drifts. */
  datasetShare: number;
}

export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = { jensenShannon: 0.1, wasserstein: 0.1, minRows: 100, datasetShare: 0.5 };

export type PsiBand = 'stable' | 'moderate' | 'significant';

/** Scores of one live distribution against its reference; the scores are absent without enough data. */
export interface DistributionDrift {
  /** Live rows counted, missing ones included. */
  rows: number;
  enoughData: boolean;
  psi?: number;
  psiBand?: PsiBand;
  jensenShannon?: number;
  /** Numeric distributions only, and only when both sides hold present values. */
  wasserstein?: number;
  drifted: boolean;
  /** One readable name per bin. */
  labels: string[];
  /** Shares per bin (all 0 when a side has no rows). */
  reference: number[];
  current: number[];
}

export interface FeatureDrift extends DistributionDrift {
  feature: string;
  type: FeatureType;
}

export interface PredictionDrift extends DistributionDrift {
  kind: PredictionDistribution['kind'];
}

export interface DatasetDrift {
  /** Whether at least one feature had enough live rows to be scored. */
  enoughData: boolean;
  drifted: boolean;
  driftedFeatures: string[];
  /** Drifted features over scored features (0 when none was scored). */
  share: number;
}

/** The training counts of a feature in the live bin layout, so both sides line up bin by bin. */
export function referenceCounts(profile: FeatureProfile): number[] {
  if (profile.type === 'numeric') return [0, ...profile.counts, 0, profile.missing];
  const categories = Object.keys(profile.frequencies).sort(compareText);
  return [...categories.map((category) => profile.frequencies[category]), profile.other, profile.missing];
}

/** Population stability index, Σ (q − p) · ln(q / p) on shares, each share at least `PSI_EPSILON`. */
export function psi(reference: readonly number[], current: readonly number[]): number {
  const [p, q] = sharesOfBoth(reference, current);
  let total = 0;
  for (let i = 0; i < p.length; i++) {
    const a = Math.max(p[i], PSI_EPSILON);
    const b = Math.max(q[i], PSI_EPSILON);
    total += (b - a) * Math.log(b / a);
  }
  return total;
}

/** Square root of the base-2 Jensen–Shannon divergence of the shares: symmetric, in [0, 1]. */
export function jensenShannonDistance(reference: readonly number[], current: readonly number[]): number {
  const [p, q] = sharesOfBoth(reference, current);
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const m = (p[i] + q[i]) / 2;
    // 0 · log 0 = 0; m > 0 whenever p or q is.
    if (p[i] > 0) divergence += (p[i] / 2) * Math.log2(p[i] / m);
    if (q[i] > 0) divergence += (q[i] / 2) * Math.log2(q[i] / m);
  }
  // Rounding can leave a tiny negative divergence for identical shares.
  return Math.sqrt(Math.min(1, Math.max(0, divergence)));
}

/**
 * Earth mover's distance between two binned numeric distributions in the live layout on
 * `edges`, divided by the reference `std` (a std of 0 divides by 1). Inner bins sit at their
 * midpoints, below-min at the min and above-max at the max (so values far outside count as
 * if at the edge: a lower bound); missing values are left out and each side renormalised
 * over its present values. Throws when a side has no present values: nothing to move.
 */
export function normalizedWasserstein(edges: readonly number[], reference: readonly number[], current: readonly number[], std: number): number {
  const positions = numericPositions(edges);
  if (reference.length !== positions.length + 1 || current.length !== positions.length + 1) {
    throw new RangeError(`expected ${positions.length + 1} bins for ${edges.length} edges, got ${reference.length} and ${current.length}`);
  }
  const p = presentShares(reference);
  const q = presentShares(current);
  if (p === undefined || q === undefined) throw new RangeError('cannot compare distributions without present values');
  let distance = 0;
  let cumulative = 0;
  for (let i = 0; i < positions.length - 1; i++) {
    cumulative += p[i] - q[i];
    distance += Math.abs(cumulative) * (positions[i + 1] - positions[i]);
  }
  return distance / (std > 0 ? std : 1);
}

/** The usual reading of a PSI: below 0.1 stable, below 0.25 moderate, else significant. */
export function psiBand(value: number): PsiBand {
  if (value < 0.1) return 'stable';
  if (value < 0.25) return 'moderate';
  return 'significant';
}

/** Drift of one feature's live counts (in `binValue`'s layout) against its training profile. */
export function featureDrift(profile: FeatureProfile, current: readonly number[], thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS): FeatureDrift {
  const expected = binCount(profile);
  if (current.length !== expected) {
    throw new RangeError(`feature "${profile.name}" has ${expected} bins, got live counts for ${current.length}`);
  }
  const reference = referenceCounts(profile);
  const wasserstein =
    profile.type === 'numeric' ? (a: number[], b: number[]) => normalizedWasserstein(profile.edges, a, b, profile.std) : undefined;
  const drift = distributionDrift(reference, [...current], binLabels(profile), thresholds, wasserstein);
  return { feature: profile.name, type: profile.type, ...drift };
}

/** Whether the dataset drifted: at least `datasetShare` of the features with enough data drifted. */
export function datasetDrift(features: readonly FeatureDrift[], thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS): DatasetDrift {
  const scored = features.filter((feature) => feature.enoughData);
  const driftedFeatures = scored.filter((feature) => feature.drifted).map((feature) => feature.feature);
  const share = scored.length === 0 ? 0 : driftedFeatures.length / scored.length;
  const enoughData = scored.length > 0;
  return { enoughData, drifted: enoughData && share >= thresholds.datasetShare, driftedFeatures, share };
}

/** Number of bins of the prediction layout of a distribution. */
export function predictionBinCount(distribution: PredictionDistribution): number {
  if (distribution.kind === 'classes') return Object.keys(distribution.counts).length + 1;
  return Math.max(distribution.edges.length - 1, 0) + 3;
}

/** The bin of one live prediction in the prediction layout of `distribution`. */
export function predictionBin(distribution: PredictionDistribution, prediction: string | number): number {
  if (distribution.kind === 'bins') return numericBin(distribution.edges, parseNumber(prediction));
  const labels = classLabels(distribution.counts);
  const index = labels.indexOf(String(prediction));
  return index >= 0 ? index : labels.length;
}

/**
 * Drift of live prediction counts (in `predictionBin`'s layout) against the holdout
 * predictions. Wasserstein (bins only) is divided by the std of the binned reference,
 * estimated from bin midpoints since the distribution keeps no std.
 */
export function predictionDrift(
  reference: PredictionDistribution,
  current: readonly number[],
  thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS,
): PredictionDrift {
  const expected = predictionBinCount(reference);
  if (current.length !== expected) throw new RangeError(`the predictions have ${expected} bins, got live counts for ${current.length}`);
  if (reference.kind === 'classes') {
    const labels = classLabels(reference.counts);
    const counts = [...labels.map((label) => reference.counts[label]), 0];
    return { kind: 'classes', ...distributionDrift(counts, [...current], [...labels, '(other)'], thresholds) };
  }
  const { edges } = reference;
  const counts = [0, ...reference.counts, 0, 0];
  const std = binnedStd(edges, reference.counts);
  const wasserstein = (a: number[], b: number[]) => normalizedWasserstein(edges, a, b, std);
  return { kind: 'bins', ...distributionDrift(counts, [...current], numericLabels(edges), thresholds, wasserstein) };
}

function distributionDrift(
  reference: number[],
  current: number[],
  labels: string[],
  thresholds: DriftThresholds,
  wasserstein?: (reference: number[], current: number[]) => number,
): DistributionDrift {
  const rows = sum(current);
  const base = { rows, labels, reference: toShares(reference), current: toShares(current) };
  // A reference without rows (an empty training column) cannot be compared with anything.
  if (rows === 0 || rows < thresholds.minRows || sum(reference) === 0) return { ...base, enoughData: false, drifted: false };
  const score = psi(reference, current);
  const jensenShannon = jensenShannonDistance(reference, current);
  // Missing values do not count in Wasserstein, so a side may have nothing left to compare.
  const moved = wasserstein && presentShares(reference) && presentShares(current) ? wasserstein(reference, current) : undefined;
  const drifted = jensenShannon >= thresholds.jensenShannon || (moved !== undefined && moved >= thresholds.wasserstein);
  return {
    ...base,
    enoughData: true,
    psi: score,
    psiBand: psiBand(score),
    jensenShannon,
    ...(moved === undefined ? {} : { wasserstein: moved }),
    drifted,
  };
}

function sum(counts: readonly number[]): number {
  return counts.reduce((total, n) => total + n, 0);
}

function toShares(counts: readonly number[]): number[] {
  const total = sum(counts);
  return counts.map((n) => (total > 0 ? n / total : 0));
}

function sharesOfBoth(reference: readonly number[], current: readonly number[]): [number[], number[]] {
  if (reference.length !== current.length) throw new RangeError(`cannot compare ${reference.length} bins with ${current.length}`);
  if (sum(reference) <= 0 || sum(current) <= 0) throw new RangeError('cannot compare a distribution without rows');
  return [toShares(reference), toShares(current)];
}

/** Where each present bin of the numeric layout sits: below at the min, inner at midpoints, above at the max. */
function numericPositions(edges: readonly number[]): number[] {
  // A feature never seen as a number has no edges: its present bins are below and above, both empty.
  if (edges.length === 0) return [0, 0];
  const inner = edges.slice(1).map((edge, i) => (edges[i] + edge) / 2);
  return [edges[0], ...inner, edges[edges.length - 1]];
}

/** Shares over the present (non-missing, so all but the last) bins, or undefined when there are none. */
function presentShares(counts: readonly number[]): number[] | undefined {
  const present = counts.slice(0, -1);
  return sum(present) > 0 ? toShares(present) : undefined;
}

/** Sorted once per distribution object: predictionBin runs for every logged prediction. */
const sortedLabels = new WeakMap<object, string[]>();

function classLabels(counts: Readonly<Record<string, number>>): string[] {
  let labels = sortedLabels.get(counts);
  if (!labels) sortedLabels.set(counts, (labels = Object.keys(counts).sort(compareText)));
  return labels;
}

function numericLabels(edges: readonly number[]): string[] {
  const bins = edges.slice(1).map((edge, i) => `[${edges[i]}, ${edge}${i === edges.length - 2 ? ']' : ')'}`);
  return [`< ${edges[0] ?? 'min'}`, ...bins, `> ${edges.at(-1) ?? 'max'}`, '(missing)'];
}

function binnedStd(edges: readonly number[], counts: readonly number[]): number {
  const total = sum(counts);
  if (total === 0) return 0;
  const midpoints = counts.map((_, i) => (edges[i] + edges[i + 1]) / 2);
  const mean = counts.reduce((acc, n, i) => acc + n * midpoints[i], 0) / total;
  return Math.sqrt(counts.reduce((acc, n, i) => acc + n * (midpoints[i] - mean) ** 2, 0) / total);
}
