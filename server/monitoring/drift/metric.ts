/**
 * A drift metric: one number saying how far a live distribution is from its reference, on the
 * same bins. Metrics measure the size of a change; whether the change is more than sampling
 * noise is for the tests (tests.ts) to say. Implementations: jensen-shannon.ts, psi.ts,
 * wasserstein.ts.
 */

/** What a metric may need to know about the bins beyond their counts. */
export interface BinLayout {
  /**
   * Where each bin sits on the number line (numeric distributions only, one per bin passed);
   * undefined for categories, which have no order.
   */
  positions?: readonly number[];
  /** The unit distances are divided by: the reference standard deviation (1 when it is 0). */
  scale?: number;
}

export interface DriftMetric {
  /** The name used in the GraphQL answer and in verdict reasons. */
  readonly name: 'jensenShannon' | 'psi' | 'wasserstein';
  /** What its values are measured in, for people reading a reason. */
  readonly unit: string;
  /** Whether it needs `BinLayout.positions`: true for distances along the number line. */
  readonly numericOnly: boolean;
  /**
   * The score of live counts against reference counts bin by bin (same length, present values
   * only: missing values are a signal of their own). 0 for identical shares. Throws a
   * RangeError when a side has no rows or the lengths differ: there is nothing to compare.
   */
  score(reference: readonly number[], current: readonly number[], layout?: BinLayout): number;
}

/** Counts to shares; throws when there are no rows. */
export function shares(counts: readonly number[]): number[] {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (!(total > 0)) throw new RangeError('cannot compare a distribution without rows');
  return counts.map((n) => n / total);
}

/** Both sides as shares, after checking that they line up. */
export function sharesOfBoth(reference: readonly number[], current: readonly number[]): [number[], number[]] {
  if (reference.length !== current.length) throw new RangeError(`cannot compare ${reference.length} bins with ${current.length}`);
  return [shares(reference), shares(current)];
}
