import { sharesOfBoth, type DriftMetric } from './metric';

/**
 * Square root of the base-2 Jensen–Shannon divergence: symmetric, in [0, 1], defined with empty
 * bins. For n live and m reference rows without drift, 8 · n_eff · ln 2 · JSD is close to
 * χ²(K − 1) with n_eff = (1/n + 1/m)⁻¹, which is how calibration.ts turns a test's critical
 * value into the distance a window needs.
 */
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

export const jensenShannon: DriftMetric = {
  name: 'jensenShannon',
  unit: 'Jensen–Shannon distance (base 2, 0–1)',
  numericOnly: false,
  score: (reference, current) => jensenShannonDistance(reference, current),
};
