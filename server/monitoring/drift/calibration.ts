import { chiSquareQuantileUpper, effectiveRows, normalTwoSidedQuantile } from './tests';

/**
 * What counts as drift, and what a given window can tell from sampling noise. The verdict itself
 * comes from the tests' p-values (tests.ts) against the significance level after Holm's
 * correction, together with an effect-size floor; the thresholds here translate that into the
 * units people read (a Jensen–Shannon distance, a shift in standard deviations) for one window.
 */

/** Per-deployment settings of the drift verdicts (`setDriftThresholds`). */
export interface DriftThresholds {
  /**
   * Significance level α: the chance that a window without any drift gets a drifted verdict on
   * any feature (Holm's correction over the features keeps the whole dataset at α), and
   * likewise for the missing-share family. 0.05 by default.
   */
  significance: number;
  /** Effect-size floor of categorical features and class predictions: a Jensen–Shannon distance (base 2) below it never drifts, however many rows. 0.03 by default. */
  jensenShannon: number;
  /** Effect-size floor of numeric features and predictions: a Wasserstein distance in training standard deviations below it never drifts. 0.1 by default. */
  wasserstein: number;
  /** Effect-size floor of a missing-share change, in share points (0.02 = 2 points). 0.02 by default. */
  missingShare: number;
  /** Fewer live rows than this give no scores: the tests' approximations need counts. 100 by default. */
  minRows: number;
  /**
   * No longer used (kept so stored settings and old clients still work): the dataset verdict was
   * "at least this share of the features drifted", which never fired for a one-feature drift.
   */
  datasetShare: number;
}

export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = { significance: 0.05, jensenShannon: 0.03, wasserstein: 0.1, missingShare: 0.02, minRows: 100, datasetShare: 0.5 };

/**
 * How a numeric feature's significance level is split between its two tests (a weighted
 * Bonferroni inside the feature): most to the rank-sum test, which sees shifts of the whole
 * distribution (the usual drift), the rest to χ², which sees changes of shape (spread, a new
 * mode) that leave the ranks balanced.
 */
export const RANK_TEST_WEIGHT = 0.75;

/**
 * The Jensen–Shannon distance a window of n live rows against m reference rows must exceed for
 * the χ² test on `df` degrees of freedom to reject at level `alpha`: from χ² ≈ 8 · n_eff · ln 2
 * · JSD. An approximation to explain a verdict, never the verdict itself.
 */
export function criticalJensenShannon(n: number, m: number, df: number, alpha: number): number | undefined {
  const nEff = effectiveRows(n, m);
  if (!(nEff > 0) || df <= 0) return undefined;
  return Math.min(1, Math.sqrt(chiSquareQuantileUpper(alpha, df) / (8 * nEff * Math.LN2)));
}

/**
 * The smallest shift of the whole distribution, in reference standard deviations, the rank-sum
 * test sees at level `alpha`: z ≈ δ · σ · ∫f² · √(12 · n_eff), with the density f estimated
 * from the reference shares of inner bins of `widths` (∫f² ≈ Σ p² / w). Undefined for discrete
 * features (no density) or without rows.
 */
export function criticalShift(n: number, m: number, alpha: number, referenceShares: readonly number[], widths: readonly number[], std: number): number | undefined {
  const nEff = effectiveRows(n, m);
  let squaredDensity = 0;
  for (let i = 0; i < widths.length; i++) if (widths[i] > 0) squaredDensity += (referenceShares[i] * referenceShares[i]) / widths[i];
  if (!(nEff > 0 && squaredDensity > 0 && std > 0)) return undefined;
  return normalTwoSidedQuantile(alpha) / (Math.sqrt(12 * nEff) * std * squaredDensity);
}
