import type { FeatureProfile, FeatureType, PredictionDistribution } from '../../ml/types';
import { binCount, binLabels, isDiscreteEdges, numericBin, numericBinLabels, shortNumber } from '../../ml/profile';
import { compareText, parseNumber } from '../../ml/values';
import { criticalJensenShannon, criticalShift, DEFAULT_DRIFT_THRESHOLDS, RANK_TEST_WEIGHT, type DriftThresholds } from './calibration';
import { DRIFT_METRICS } from './metrics';
import { psiBand, type PsiBand } from './psi';
import { chiSquareTest, holmAdjust, mergeSparseBins, proportionTest, rankSumTest, type TestResult } from './tests';
import { wassersteinBinError } from './wasserstein';

/**
 * Drift of live data against the training data, on the bins of the reference profile (see the
 * layout in `ml/profile.ts`). Everything here works on counts per bin, so it reads
 * aggregates and never the prediction log, and costs the same at any volume.
 *
 * The rule, per feature: the live counts of present values are tested against the reference
 * counts (two-sample tests: both sides are samples), numeric features with a rank-sum test and
 * χ², categorical ones with χ²; the p-values of all features are corrected together (Holm), and
 * a feature drifts when its corrected p-value is at most the significance level AND its effect
 * (Wasserstein distance in standard deviations, or Jensen–Shannon distance) reaches the floor.
 * Missing values are a family of their own: the change of the missing share, tested and
 * corrected the same way. The dataset drifts when any feature does.
 *
 * Prediction layout (what `predictionBin` returns): for a `classes` distribution, its labels in
 * code-point order, then one "other" bin for a label the reference never saw; for a `bins`
 * distribution, the numeric feature layout on its edges (below, inner bins, above, missing).
 */

export { DEFAULT_DRIFT_THRESHOLDS, type DriftThresholds } from './calibration';
export type { PsiBand } from './psi';

/** The test a verdict rests on. */
export type DriftTest = 'chi-square' | 'rank-sum';

/** The change in the share of missing values of one feature, judged on its own. */
export interface MissingShareDrift {
  reference: number;
  current: number;
  /** Two-proportion z-test, before correction. */
  pValue: number;
  /** After Holm's correction over the features. */
  adjustedPValue: number;
  /** Significant after correction and at least the floor (`missingShare` points) apart. */
  changed: boolean;
}

/** Scores and verdict of one live distribution against its reference; the scores are absent without enough data. */
export interface DistributionDrift {
  /** Live rows counted, missing ones included. */
  rows: number;
  enoughData: boolean;
  /** Scores on present values (missing left out; see `missing`). */
  psi?: number;
  psiBand?: PsiBand;
  jensenShannon?: number;
  /** Numeric distributions only, in reference standard deviations, when both sides hold present values. */
  wasserstein?: number;
  /** Upper bound of the bin approximation of `wasserstein` (0 for discrete features). */
  wassersteinError?: number;
  /** The verdict: see the rule above. */
  drifted: boolean;
  /** The test with the smallest p-value (weighted inside a numeric feature). */
  test?: DriftTest;
  /** χ² for chi-square, z for rank-sum. */
  statistic?: number;
  /** Degrees of freedom of χ² (after merging sparse bins); 0 for rank-sum. */
  df?: number;
  /** p-value of `test`, before any correction. */
  pValue?: number;
  /** The feature's p-value after the weighting of its tests and Holm's correction over the features: compared with `significance`. */
  adjustedPValue?: number;
  significance?: number;
  /** Which effect size the floor applies to, its value and the floor. */
  effect?: 'jensenShannon' | 'wasserstein';
  effectSize?: number;
  effectFloor?: number;
  /**
   * About the effect size this window needs to be told from noise (in `effect`'s units, the
   * floor included): explains the verdict, which itself comes from the p-value. Absent where no
   * approximation applies (discrete numeric features).
   */
  windowThreshold?: number;
  /** One sentence a person can read: which test, its value, the threshold for this window. */
  reason: string;
  /** The missing-share signal; absent for predictions. */
  missing?: MissingShareDrift;
  /** One readable name per bin. */
  labels: string[];
  /** Shares per bin, missing included (all 0 when a side has no rows). */
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
  /** Any feature drifted (after the correction over the features). */
  drifted: boolean;
  driftedFeatures: string[];
  /** Drifted features over scored features (0 when none was scored). */
  share: number;
  /** The share expected without any drift: at most significance / scored features. */
  expectedShare: number;
  /** Features whose share of missing values changed (a separate family, not counted as drift). */
  missingChangedFeatures: string[];
}

/** The training counts of a feature in the live bin layout, so both sides line up bin by bin. */
export function referenceCounts(profile: FeatureProfile): number[] {
  if (profile.type === 'numeric') return [0, ...profile.counts, 0, profile.missing];
  const categories = Object.keys(profile.frequencies).sort(compareText);
  return [...categories.map((category) => profile.frequencies[category]), profile.other, profile.missing];
}

/** A distribution before the verdict: its scores and unadjusted p-values. */
interface Scored {
  base: Omit<DistributionDrift, 'drifted' | 'reason' | 'missing'>;
  /** The distribution's p-value after weighting its tests (NaN: not tested). */
  pValue: number;
  /** Unadjusted missing-share p-value (NaN: not tested). */
  missingPValue: number;
  missingShares: [number, number];
}

interface NumericLayout {
  /** Where each present bin sits (below, inner, above). */
  positions: number[];
  /** Width of each present bin for the density and the error bound; 0 for discrete bins and outside. */
  widths: number[];
  std: number;
}

/** The present bins of the numeric layout on `edges`: discrete bins at their value, others at midpoints, below/above at the min/max. */
export function numericLayout(edges: readonly number[], std: number): NumericLayout {
  // A feature never seen as a number has no edges: its present bins are below and above, both empty.
  if (edges.length === 0) return { positions: [0, 0], widths: [0, 0], std };
  const discrete = isDiscreteEdges(edges);
  const inner = edges.slice(1).map((edge, i) => (discrete ? edges[i] : (edges[i] + edge) / 2));
  const widths = discrete ? inner.map(() => 0) : edges.slice(1).map((edge, i) => edge - edges[i]);
  return { positions: [edges[0], ...inner, edges[edges.length - 1]], widths: [0, ...widths, 0], std };
}

/** Scores and p-values of one distribution; `layout` for numeric ones. The last bin of both count arrays is "missing". */
function score(reference: readonly number[], current: readonly number[], labels: string[], thresholds: DriftThresholds, familySize: number, layout?: NumericLayout): Scored {
  const rows = sum(current);
  const referencePresent = reference.slice(0, -1);
  const currentPresent = current.slice(0, -1);
  const m = sum(referencePresent);
  const n = sum(currentPresent);
  const missingShares: [number, number] = [share(reference.at(-1)!, sum(reference)), share(current.at(-1)!, rows)];
  const base: Scored['base'] = { rows, enoughData: false, labels, reference: toShares(reference), current: toShares(current) };
  // A reference without rows (an empty training column) cannot be compared with anything.
  if (rows === 0 || rows < thresholds.minRows || sum(reference) === 0) return { base, pValue: Number.NaN, missingPValue: Number.NaN, missingShares };
  base.enoughData = true;
  // No missing value on either side: nothing that could ever be significant, so it leaves the
  // family (Tarone: the exclusion depends on the margins only, so α still holds).
  const anyMissing = reference.at(-1)! + current.at(-1)! > 0;
  const missingPValue = anyMissing ? proportionTest(reference.at(-1)!, sum(reference), current.at(-1)!, rows).pValue : Number.NaN;
  if (m === 0 || n === 0) return { base, pValue: Number.NaN, missingPValue, missingShares };
  const bins = layout && { positions: layout.positions, scale: layout.std };
  for (const metric of DRIFT_METRICS) if (!metric.numericOnly || bins) base[metric.name] = metric.score(referencePresent, currentPresent, bins);
  base.psiBand = psiBand(base.psi!);
  // Family-wise level for the first (smallest) p-value: what the window thresholds are quoted at.
  const alpha = thresholds.significance / Math.max(1, familySize);
  if (!layout) {
    const chi = chiSquareTest(...mergeSparseBins(referencePresent, currentPresent, byCountDescending(referencePresent, currentPresent)));
    const critical = criticalJensenShannon(n, m, chi.df, alpha);
    Object.assign(base, {
      ...verdictFields('chi-square', chi),
      effect: 'jensenShannon',
      effectSize: base.jensenShannon,
      effectFloor: thresholds.jensenShannon,
      ...(critical === undefined ? {} : { windowThreshold: Math.max(thresholds.jensenShannon, critical) }),
    });
    return { base, pValue: chi.pValue, missingPValue, missingShares };
  }
  const rank = rankSumTest(referencePresent, currentPresent);
  const chi = chiSquareTest(...mergeSparseBins(referencePresent, currentPresent));
  // Weighted Bonferroni inside the feature: each test's p-value divided by its share of α.
  const weightedRank = Math.min(1, rank.pValue / RANK_TEST_WEIGHT);
  const weightedChi = chi.df > 0 ? Math.min(1, chi.pValue / (1 - RANK_TEST_WEIGHT)) : 1;
  const decided = weightedRank <= weightedChi ? ['rank-sum', rank] as const : ['chi-square', chi] as const;
  base.wassersteinError = wassersteinBinError(layout.widths, referencePresent, currentPresent, layout.std);
  const critical = criticalShift(n, m, alpha * RANK_TEST_WEIGHT, toShares(referencePresent), layout.widths, layout.std);
  Object.assign(base, {
    ...verdictFields(decided[0], decided[1]),
    effect: 'wasserstein',
    effectSize: base.wasserstein,
    effectFloor: thresholds.wasserstein,
    ...(critical === undefined ? {} : { windowThreshold: Math.max(thresholds.wasserstein, critical) }),
  });
  return { base, pValue: Math.min(weightedRank, weightedChi), missingPValue, missingShares };
}

function verdictFields(test: DriftTest, result: TestResult): Pick<DistributionDrift, 'test' | 'statistic' | 'df' | 'pValue'> {
  return { test, statistic: result.statistic, df: result.df, pValue: result.pValue };
}

/** Verdicts of a family of scored distributions: Holm over the family, then the floors. */
function judge(family: Scored[], thresholds: DriftThresholds, withMissing: boolean): DistributionDrift[] {
  const adjusted = holmAdjust(family.map((s) => s.pValue));
  const missingAdjusted = holmAdjust(family.map((s) => s.missingPValue));
  return family.map((scored, i) => {
    const { base } = scored;
    const significant = !Number.isNaN(adjusted[i]) && adjusted[i] <= thresholds.significance;
    const bigEnough = base.effectSize !== undefined && base.effectSize >= (base.effectFloor ?? 0);
    const drifted = base.enoughData && significant && bigEnough;
    const result: DistributionDrift = { ...base, drifted, reason: '' };
    if (!Number.isNaN(adjusted[i])) Object.assign(result, { adjustedPValue: adjusted[i], significance: thresholds.significance });
    if (withMissing && base.enoughData) {
      const [reference, current] = scored.missingShares;
      const p = Number.isNaN(scored.missingPValue) ? 1 : scored.missingPValue;
      const q = Number.isNaN(missingAdjusted[i]) ? 1 : missingAdjusted[i];
      const changed = q <= thresholds.significance && Math.abs(current - reference) >= thresholds.missingShare;
      result.missing = { reference, current, pValue: p, adjustedPValue: q, changed };
    }
    result.reason = reasonOf(result, thresholds);
    return result;
  });
}

/** The verdict in one sentence: which test, its value, the threshold for this window. */
function reasonOf(drift: DistributionDrift, thresholds: DriftThresholds): string {
  if (!drift.enoughData) return `not enough data: ${drift.rows} live rows, at least ${thresholds.minRows} needed`;
  const parts: string[] = [];
  if (drift.test === undefined || drift.adjustedPValue === undefined) parts.push('no present values to compare');
  else {
    const test = drift.test === 'rank-sum' ? `rank-sum test z = ${fixed(drift.statistic!)}` : `χ² test χ² = ${fixed(drift.statistic!)} (df ${drift.df})`;
    const verdict = drift.adjustedPValue <= thresholds.significance ? 'significant' : 'within noise';
    const effectName = drift.effect === 'wasserstein' ? 'Wasserstein' : 'Jensen–Shannon';
    const unit = drift.effect === 'wasserstein' ? ' σ' : '';
    const window = drift.windowThreshold === undefined ? '' : `; this window needs about ${fixed(drift.windowThreshold)}${unit}`;
    const floor = drift.adjustedPValue <= thresholds.significance && (drift.effectSize ?? 0) < (drift.effectFloor ?? 0) ? ', below the floor' : '';
    parts.push(
      `${drift.drifted ? 'drifted' : 'no drift'}: ${test}, p = ${pValue(drift.pValue!)} (corrected ${pValue(drift.adjustedPValue)} vs ${thresholds.significance}: ${verdict}); ` +
        `${effectName} ${fixed(drift.effectSize!)}${unit} (floor ${drift.effectFloor}${unit}${floor}${window})`,
    );
  }
  if (drift.missing) {
    const { reference, current, changed, adjustedPValue } = drift.missing;
    const shares = `${percent(reference)} → ${percent(current)}`;
    if (changed) parts.push(`missing values changed: ${shares} (corrected p = ${pValue(adjustedPValue)})`);
    else if (reference > 0 || current > 0) parts.push(`missing values ${shares}: no change beyond noise or the ${percent(thresholds.missingShare)} floor`);
  }
  return parts.join('; ');
}

/** Drift of every feature of a profile, given live counts per feature in `binValue`'s layout, with the dataset verdict. */
export function featuresDrift(
  profiles: readonly FeatureProfile[],
  counts: ReadonlyMap<string, readonly number[]> | ((profile: FeatureProfile) => readonly number[]),
  thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS,
): { features: FeatureDrift[] } & DatasetDrift {
  const countsOf = typeof counts === 'function' ? counts : (profile: FeatureProfile) => counts.get(profile.name) ?? new Array<number>(binCount(profile)).fill(0);
  const scored = profiles.map((profile) => {
    const current = countsOf(profile);
    const expected = binCount(profile);
    if (current.length !== expected) throw new RangeError(`feature "${profile.name}" has ${expected} bins, got live counts for ${current.length}`);
    const layout = profile.type === 'numeric' ? numericLayout(profile.edges, profile.std) : undefined;
    return score(referenceCounts(profile), current, binLabels(profile), thresholds, profiles.length, layout);
  });
  const features = judge(scored, thresholds, true).map((drift, i) => ({ feature: profiles[i].name, type: profiles[i].type, ...drift }));
  return { features, ...datasetDrift(features, thresholds) };
}

/** The dataset verdict from judged features: drifted when any feature is. */
export function datasetDrift(features: readonly FeatureDrift[], thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS): DatasetDrift {
  const scored = features.filter((feature) => feature.enoughData);
  const driftedFeatures = scored.filter((feature) => feature.drifted).map((feature) => feature.feature);
  const enoughData = scored.length > 0;
  return {
    enoughData,
    drifted: driftedFeatures.length > 0,
    driftedFeatures,
    share: enoughData ? driftedFeatures.length / scored.length : 0,
    expectedShare: enoughData ? thresholds.significance / scored.length : 0,
    missingChangedFeatures: scored.filter((feature) => feature.missing?.changed).map((feature) => feature.feature),
  };
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
 * predictions, judged alone at the significance level. Wasserstein (bins only) is divided by
 * the std of the binned reference, estimated from bin midpoints since the distribution keeps
 * no std.
 */
export function predictionDrift(reference: PredictionDistribution, current: readonly number[], thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS): PredictionDrift {
  const expected = predictionBinCount(reference);
  if (current.length !== expected) throw new RangeError(`the predictions have ${expected} bins, got live counts for ${current.length}`);
  if (reference.kind === 'classes') {
    const labels = classLabels(reference.counts);
    // The classes layout has no missing bin: a zero one is added for scoring, then dropped.
    const counts = [...labels.map((label) => reference.counts[label]), 0, 0];
    const [drift] = judge([score(counts, [...current, 0], [...labels, '(other)', ''], thresholds, 1)], thresholds, false);
    return { kind: 'classes', ...withoutLastBin(drift) };
  }
  const { edges } = reference;
  const counts = [0, ...reference.counts, 0, 0];
  const layout = numericLayout(edges, binnedStd(edges, reference.counts));
  const [drift] = judge([score(counts, [...current], numericBinLabels(edges), thresholds, 1, layout)], thresholds, false);
  return { kind: 'bins', ...drift };
}

function withoutLastBin(drift: DistributionDrift): DistributionDrift {
  return { ...drift, labels: drift.labels.slice(0, -1), reference: drift.reference.slice(0, -1), current: drift.current.slice(0, -1) };
}

/** Bins of categorical features in decreasing total count, so sparse categories are merged together, not into a big one. */
function byCountDescending(reference: readonly number[], current: readonly number[]): number[] {
  return reference.map((_, i) => i).sort((a, b) => reference[b] + current[b] - (reference[a] + current[a]) || a - b);
}

function sum(counts: readonly number[]): number {
  let total = 0;
  for (const n of counts) total += n;
  return total;
}

function share(part: number, total: number): number {
  return total > 0 ? part / total : 0;
}

function toShares(counts: readonly number[]): number[] {
  const total = sum(counts);
  return counts.map((n) => (total > 0 ? n / total : 0));
}

const fixed = (value: number) => shortNumber(Number(value.toFixed(4)));
const percent = (value: number) => `${shortNumber(value * 100)} %`;
const pValue = (value: number) => (value < 1e-4 ? value.toExponential(1) : shortNumber(value));

/** Sorted once per distribution object: predictionBin runs for every logged prediction. */
const sortedLabels = new WeakMap<object, string[]>();

function classLabels(counts: Readonly<Record<string, number>>): string[] {
  let labels = sortedLabels.get(counts);
  if (!labels) sortedLabels.set(counts, (labels = Object.keys(counts).sort(compareText)));
  return labels;
}

function binnedStd(edges: readonly number[], counts: readonly number[]): number {
  const total = sum(counts);
  if (total === 0) return 0;
  const midpoints = counts.map((_, i) => (edges[i] + edges[i + 1]) / 2);
  const mean = counts.reduce((acc, n, i) => acc + n * midpoints[i], 0) / total;
  return Math.sqrt(counts.reduce((acc, n, i) => acc + n * (midpoints[i] - mean) ** 2, 0) / total);
}
