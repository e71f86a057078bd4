import { sharesOfBoth, type BinLayout, type DriftMetric } from './metric';

/**
 * Earth mover's distance between two binned numeric distributions (present values only), each
 * bin's values counted at its position, divided by the reference standard deviation (a std of
 * 0 divides by 1).
 *
 * It is a bin approximation. Discrete features (one bin per value, see profile.ts) sit at their
 * values, so it is exact for them; other features sit at bin midpoints, below-min at the min
 * and above-max at the max (values far outside count as at the edge: a lower bound). Moving
 * every value of both sides to its bin's position changes the distance by at most the mean
 * distance of a value to its position on each side: `wassersteinBinError` bounds it.
 */
export function normalizedWasserstein(positions: readonly number[], reference: readonly number[], current: readonly number[], std: number): number {
  if (reference.length !== positions.length || current.length !== positions.length) {
    throw new RangeError(`expected ${positions.length} bins, got ${reference.length} and ${current.length}`);
  }
  const [p, q] = sharesOfBoth(reference, current);
  let distance = 0;
  let cumulative = 0;
  for (let i = 0; i < positions.length - 1; i++) {
    cumulative += p[i] - q[i];
    distance += Math.abs(cumulative) * (positions[i + 1] - positions[i]);
  }
  return distance / (std > 0 ? std : 1);
}

/**
 * Upper bound of |binned − exact| distance in standard deviations for inner bins of `widths`
 * (0 for discrete values and the outer bins, whose values are not bounded): a quarter of each
 * inner bin's width (the mean distance to the midpoint of a value spread evenly over it),
 * weighted by both sides' shares. Below the min / above the max are left out.
 */
export function wassersteinBinError(widths: readonly number[], reference: readonly number[], current: readonly number[], std: number): number {
  const [p, q] = sharesOfBoth(reference, current);
  let error = 0;
  for (let i = 0; i < widths.length; i++) error += ((p[i] + q[i]) * widths[i]) / 4;
  return error / (std > 0 ? std : 1);
}

export const wasserstein: DriftMetric = {
  name: 'wasserstein',
  unit: 'Wasserstein distance in training standard deviations',
  numericOnly: true,
  score(reference, current, layout?: BinLayout) {
    if (!layout?.positions) throw new RangeError('the Wasserstein distance needs the positions of the bins');
    return normalizedWasserstein(layout.positions, reference, current, layout.scale ?? 1);
  },
};
