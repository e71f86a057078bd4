import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DRIFT_THRESHOLDS,
  datasetDrift,
  featureDrift,
  jensenShannonDistance,
  normalizedWasserstein,
  predictionBin,
  predictionBinCount,
  predictionDrift,
  psi,
  psiBand,
  referenceCounts,
  type FeatureDrift,
} from '../../../server/monitoring/drift';
import { binCount, binLabels, binValue, createProfiler } from '../../../server/experiments/ml/profile';
import type { FeatureProfile, PredictionDistribution, Row } from '../../../server/experiments/ml/types';
import { penguinSchema, penguins } from '../ml/datasets';

type NumericProfile = Extract<FeatureProfile, { type: 'numeric' }>;

/** Four unit-wide bins on [0, 4], 25 rows each, 4 missing. */
const numeric: NumericProfile = {
  name: 'x',
  type: 'numeric',
  count: 100,
  missing: 4,
  min: 0,
  max: 4,
  mean: 2,
  std: 2,
  quantiles: {},
  edges: [0, 1, 2, 3, 4],
  counts: [25, 25, 25, 25],
};

/** Keys deliberately not in code-point order: the layout must not depend on key order. */
const categorical: FeatureProfile = { name: 'colour', type: 'categorical', count: 90, missing: 10, frequencies: { red: 50, Blue: 20, green: 15 }, other: 5 };

/** Deterministic pseudo-random integers in [0, n). */
function generator(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
}

describe('referenceCounts', () => {
  it('lays numeric training counts out as binValue places live values', () => {
    expect(referenceCounts(numeric)).toEqual([0, 25, 25, 25, 25, 0, 4]);
    expect(referenceCounts(numeric)).toHaveLength(binCount(numeric));
  });

  it('orders categories by code point, then other, then missing', () => {
    expect(binLabels(categorical)).toEqual(['Blue', 'green', 'red', '(other)', '(missing)']);
    expect(referenceCounts(categorical)).toEqual([20, 15, 50, 5, 10]);
    expect(binValue(categorical, 'red')).toBe(2);
    expect(binValue(categorical, 'purple')).toBe(3);
    expect(binValue(categorical, null)).toBe(4);
  });
});

describe('psi', () => {
  it('matches a hand computation', () => {
    // p = [0.5, 0.5], q = [0.25, 0.75]:
    // (0.25 − 0.5)·ln(0.5) + (0.75 − 0.5)·ln(1.5) = 0.173287 + 0.101366 = 0.274653
    expect(psi([50, 50], [25, 75])).toBeCloseTo(0.274653, 6);
    // Counts, not shares: the scale of either side does not matter.
    expect(psi([1, 1], [100, 300])).toBeCloseTo(0.274653, 6);
  });

  it('gives an empty bin a share of 1e-4 instead of an infinite log ratio', () => {
    // p = [1, 1e-4], q = [0.5, 0.5]: (0.5 − 1)·ln(0.5) + (0.5 − 1e-4)·ln(0.5 / 1e-4) = 0.346574 + 4.257745
    expect(psi([100, 0], [50, 50])).toBeCloseTo(4.604318, 5);
    expect(Number.isFinite(psi([100, 0, 0], [0, 0, 7]))).toBe(true);
  });

  it('is 0 for identical distributions', () => {
    expect(psi([3, 0, 7, 10], [30, 0, 70, 100])).toBe(0);
  });

  it('rejects mismatched or empty distributions', () => {
    expect(() => psi([1, 2], [1, 2, 3])).toThrow(RangeError);
    expect(() => psi([1, 2], [0, 0])).toThrow(RangeError);
  });
});

describe('psiBand', () => {
  it('reads below 0.1 as stable, below 0.25 as moderate, from 0.25 as significant', () => {
    expect([0, 0.0999, 0.1, 0.2499, 0.25, 3].map(psiBand)).toEqual(['stable', 'stable', 'moderate', 'moderate', 'significant', 'significant']);
  });
});

describe('jensenShannonDistance', () => {
  it('matches a hand computation', () => {
    // p = [0.5, 0.5], q = [0.25, 0.75], m = [0.375, 0.625]
    // KL(p‖m) = 0.5·log2(0.5/0.375) + 0.5·log2(0.5/0.625) = 0.207519 − 0.160964 = 0.046554
    // KL(q‖m) = 0.25·log2(0.25/0.375) + 0.75·log2(0.75/0.625) = −0.146241 + 0.197276 = 0.051035
    // JSD = (0.046554 + 0.051035) / 2 = 0.048795; distance = √0.048795 = 0.220896
    expect(jensenShannonDistance([50, 50], [25, 75])).toBeCloseTo(0.220896, 5);
  });

  it('is 0 for identical and 1 for disjoint distributions', () => {
    expect(jensenShannonDistance([3, 0, 7], [6, 0, 14])).toBe(0);
    expect(jensenShannonDistance([5, 5, 0, 0], [0, 0, 1, 9])).toBeCloseTo(1, 12);
  });

  it('is symmetric and within [0, 1]', () => {
    const next = generator(7);
    for (let trial = 0; trial < 200; trial++) {
      const bins = 2 + next(10);
      const a = Array.from({ length: bins }, () => next(20));
      const b = Array.from({ length: bins }, () => next(20));
      a[0]++;
      b[bins - 1]++;
      const ab = jensenShannonDistance(a, b);
      expect(ab).toBeCloseTo(jensenShannonDistance(b, a), 12);
      expect(ab).toBeGreaterThanOrEqual(0);
      expect(ab).toBeLessThanOrEqual(1);
    }
  });
});

describe('normalizedWasserstein', () => {
  const edges = [0, 1, 2, 3, 4];

  it('is the shift divided by the std for a histogram shifted by whole bins', () => {
    const reference = [0, 50, 50, 0, 0, 0, 0];
    expect(normalizedWasserstein(edges, reference, [0, 0, 50, 50, 0, 0, 0], 2)).toBeCloseTo(0.5, 12);
    expect(normalizedWasserstein(edges, reference, [0, 0, 0, 50, 50, 0, 0], 2)).toBeCloseTo(1, 12);
    expect(normalizedWasserstein(edges, reference, [0, 0, 0, 50, 50, 0, 0], 0.5)).toBeCloseTo(4, 12);
  });

  it('is 0 for identical distributions and divides by 1 when the std is 0', () => {
    expect(normalizedWasserstein(edges, [0, 1, 2, 3, 4, 0, 1], [0, 2, 4, 6, 8, 0, 2], 2)).toBe(0);
    expect(normalizedWasserstein(edges, [0, 50, 50, 0, 0, 0, 0], [0, 0, 50, 50, 0, 0, 0], 0)).toBeCloseTo(1, 12);
  });

  it('places below-min at the min and above-max at the max, and ignores missing values', () => {
    // Everything moves from the first bin's midpoint (0.5) to the min (0).
    expect(normalizedWasserstein(edges, [0, 10, 0, 0, 0, 0, 0], [10, 0, 0, 0, 0, 0, 0], 1)).toBeCloseTo(0.5, 12);
    // From the last midpoint (3.5) to the max (4), however far above the values really were.
    expect(normalizedWasserstein(edges, [0, 0, 0, 0, 10, 0, 0], [0, 0, 0, 0, 0, 10, 0], 1)).toBeCloseTo(0.5, 12);
    // Missing rows on either side change nothing: each side is renormalised over its present values.
    expect(normalizedWasserstein(edges, [0, 50, 50, 0, 0, 0, 900], [0, 0, 50, 50, 0, 0, 3], 2)).toBeCloseTo(0.5, 12);
  });

  it('matches the mean distance between sorted samples of equal size', () => {
    const positions = [0, 0.5, 1.5, 2.5, 3.5, 4];
    const next = generator(11);
    for (let trial = 0; trial < 50; trial++) {
      // Equal totals: the 1-D earth mover's distance is then the mean |x(i) − y(i)| of the sorted samples.
      const reference = positions.map(() => next(6));
      const current = positions.map(() => 0);
      for (let i = 0; i < reference.reduce((a, b) => a + b, 0) + 1; i++) current[next(positions.length)]++;
      reference[2]++;
      const expand = (counts: number[]) => counts.flatMap((n, i) => new Array<number>(n).fill(positions[i]));
      const x = expand(reference);
      const y = expand(current);
      const direct = x.reduce((sum, value, i) => sum + Math.abs(value - y[i]), 0) / x.length;
      expect(normalizedWasserstein(edges, [...reference, 0], [...current, 0], 1)).toBeCloseTo(direct, 10);
    }
  });

  it('rejects counts that do not fit the edges or have no present values', () => {
    expect(() => normalizedWasserstein(edges, [1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], 1)).toThrow(RangeError);
    expect(() => normalizedWasserstein(edges, [0, 1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 8], 1)).toThrow(RangeError);
  });
});

describe('featureDrift', () => {
  it('gives no scores below minRows and scores from minRows on', () => {
    const few = featureDrift(numeric, [0, 0, 0, 0, 0, 99, 0], DEFAULT_DRIFT_THRESHOLDS);
    expect(few).toMatchObject({ feature: 'x', type: 'numeric', rows: 99, enoughData: false, drifted: false });
    expect(few).not.toHaveProperty('psi');
    expect(few).not.toHaveProperty('jensenShannon');
    expect(few).not.toHaveProperty('wasserstein');
    const enough = featureDrift(numeric, [0, 0, 0, 0, 0, 100, 0], DEFAULT_DRIFT_THRESHOLDS);
    expect(enough).toMatchObject({ rows: 100, enoughData: true, drifted: true, psiBand: 'significant' });
  });

  it('reports shares and labels in the live layout', () => {
    const drift = featureDrift(numeric, [0, 25, 25, 25, 25, 0, 4], DEFAULT_DRIFT_THRESHOLDS);
    expect(drift.labels).toEqual(binLabels(numeric));
    expect(drift.reference).toEqual([0, 25, 25, 25, 25, 0, 4].map((n) => n / 104));
    expect(drift.current).toEqual(drift.reference);
    expect(drift).toMatchObject({ psi: 0, psiBand: 'stable', jensenShannon: 0, wasserstein: 0, drifted: false });
  });

  it('drifts on Jensen–Shannon alone for a categorical feature', () => {
    // Live: the same shares as training except that half the "red" rows turned "Blue".
    const drift = featureDrift(categorical, [450, 150, 250, 50, 100], DEFAULT_DRIFT_THRESHOLDS);
    expect(drift).not.toHaveProperty('wasserstein');
    expect(drift.jensenShannon).toBeGreaterThanOrEqual(0.1);
    expect(drift.drifted).toBe(true);
    expect(featureDrift(categorical, [200, 150, 500, 50, 100], DEFAULT_DRIFT_THRESHOLDS).drifted).toBe(false);
  });

  it('drifts on Wasserstein alone when Jensen–Shannon never would', () => {
    const never = { ...DEFAULT_DRIFT_THRESHOLDS, jensenShannon: 2 };
    // A quarter of the rows moved from the first bin (midpoint 0.5) to the last (3.5): 0.25 · 3 / std 2 = 0.375.
    const moved = [0, 0, 25, 25, 50, 0, 4];
    const shifted = featureDrift(numeric, moved, never);
    expect(shifted.wasserstein).toBeCloseTo(0.375, 12);
    expect(shifted.drifted).toBe(true);
    expect(featureDrift(numeric, moved, { ...never, wasserstein: 0.4 }).drifted).toBe(false);
  });

  it('leaves Wasserstein out when every live value is missing', () => {
    const drift = featureDrift(numeric, [0, 0, 0, 0, 0, 0, 150], DEFAULT_DRIFT_THRESHOLDS);
    expect(drift).not.toHaveProperty('wasserstein');
    expect(drift.drifted).toBe(true);
  });

  it('rejects live counts in another layout', () => {
    expect(() => featureDrift(numeric, [1, 2, 3], DEFAULT_DRIFT_THRESHOLDS)).toThrow(/7 bins/);
  });
});

describe('datasetDrift', () => {
  const feature = (name: string, drifted: boolean, enoughData = true): FeatureDrift =>
    ({ feature: name, type: 'numeric', rows: 100, enoughData, drifted, labels: [], reference: [], current: [] });

  it('drifts when at least datasetShare of the scored features drift', () => {
    const half = [feature('a', true), feature('b', true), feature('c', false), feature('d', false)];
    expect(datasetDrift(half, DEFAULT_DRIFT_THRESHOLDS)).toEqual({ enoughData: true, drifted: true, driftedFeatures: ['a', 'b'], share: 0.5 });
    const quarter = [feature('a', true), feature('b', false), feature('c', false), feature('d', false)];
    expect(datasetDrift(quarter, DEFAULT_DRIFT_THRESHOLDS)).toMatchObject({ drifted: false, driftedFeatures: ['a'], share: 0.25 });
    expect(datasetDrift(quarter, { ...DEFAULT_DRIFT_THRESHOLDS, datasetShare: 0.25 }).drifted).toBe(true);
  });

  it('counts only features with enough data', () => {
    const some = [feature('a', true), feature('b', false, false), feature('c', false, false)];
    expect(datasetDrift(some, DEFAULT_DRIFT_THRESHOLDS)).toEqual({ enoughData: true, drifted: true, driftedFeatures: ['a'], share: 1 });
    expect(datasetDrift([feature('b', false, false)], DEFAULT_DRIFT_THRESHOLDS)).toEqual({ enoughData: false, drifted: false, driftedFeatures: [], share: 0 });
    expect(datasetDrift([], DEFAULT_DRIFT_THRESHOLDS).enoughData).toBe(false);
  });
});

describe('predictionDrift', () => {
  const classes: PredictionDistribution = { kind: 'classes', counts: { setosa: 30, Virginica: 30, '10': 40 } };
  const bins: PredictionDistribution = { kind: 'bins', edges: [0, 10, 20], counts: [50, 50] };

  it('bins class predictions in code-point label order with an "other" slot', () => {
    expect(predictionBinCount(classes)).toBe(4);
    expect(['10', 'Virginica', 'setosa', 'unseen'].map((label) => predictionBin(classes, label))).toEqual([0, 1, 2, 3]);
    expect(predictionBin(classes, 10)).toBe(0);
  });

  it('bins numeric predictions like a numeric feature', () => {
    expect(predictionBinCount(bins)).toBe(5);
    expect([-1, 0, 9.9, 10, 20, 20.1, '15', 'abc'].map((value) => predictionBin(bins, value))).toEqual([0, 1, 1, 2, 2, 3, 2, 4]);
  });

  it('scores live class counts against the holdout predictions', () => {
    const same = predictionDrift(classes, [400, 300, 300, 0], DEFAULT_DRIFT_THRESHOLDS);
    expect(same).toMatchObject({ kind: 'classes', rows: 1000, enoughData: true, jensenShannon: 0, drifted: false });
    expect(same.labels).toEqual(['10', 'Virginica', 'setosa', '(other)']);
    expect(same).not.toHaveProperty('wasserstein');
    const skewed = predictionDrift(classes, [100, 100, 800, 0], DEFAULT_DRIFT_THRESHOLDS);
    expect(skewed.drifted).toBe(true);
    expect(predictionDrift(classes, [1, 1, 8, 0], DEFAULT_DRIFT_THRESHOLDS)).toMatchObject({ enoughData: false, drifted: false });
  });

  it('scores Wasserstein on binned predictions against the std of the binned reference', () => {
    // Midpoints 5 and 15, half each: std 5. Moving everything to the second bin moves half the mass by 10.
    const drift = predictionDrift(bins, [0, 0, 200, 0, 0], DEFAULT_DRIFT_THRESHOLDS);
    expect(drift.wasserstein).toBeCloseTo(1, 12);
    expect(drift.labels).toEqual(['< 0', '[0, 10)', '[10, 20]', '> 20', '(missing)']);
    expect(predictionDrift(bins, [0, 100, 100, 0, 0], DEFAULT_DRIFT_THRESHOLDS)).toMatchObject({ wasserstein: 0, drifted: false });
  });
});

describe('drift of the penguins against their own profile', () => {
  const rows = penguins();
  const profiler = createProfiler(penguinSchema);
  for (const row of rows) profiler.add(row);
  const profile = profiler.finish();

  function liveCounts(live: Row[]): number[][] {
    return profile.features.map((feature) => {
      const counts = new Array<number>(binCount(feature)).fill(0);
      for (const row of live) counts[binValue(feature, row[feature.name])]++;
      return counts;
    });
  }

  function drifts(live: Row[]): FeatureDrift[] {
    const counts = liveCounts(live);
    return profile.features.map((feature, i) => featureDrift(feature, counts[i], DEFAULT_DRIFT_THRESHOLDS));
  }

  it('finds no drift in the training rows themselves', () => {
    const counts = liveCounts(rows);
    profile.features.forEach((feature, i) => expect(counts[i]).toEqual(referenceCounts(feature)));
    const features = drifts(rows);
    expect(features.every((feature) => feature.enoughData && !feature.drifted)).toBe(true);
    expect(datasetDrift(features, DEFAULT_DRIFT_THRESHOLDS)).toEqual({ enoughData: true, drifted: false, driftedFeatures: [], share: 0 });
  });

  it('finds exactly the two changed features drifted, and the dataset by the share rule', () => {
    const changed = rows.map((row) => ({
      ...row,
      'Beak Length (mm)': typeof row['Beak Length (mm)'] === 'number' ? row['Beak Length (mm)'] * 1.3 : row['Beak Length (mm)'],
      Island: 'Biscoe',
    }));
    const features = drifts(changed);
    expect(features.filter((feature) => feature.drifted).map((feature) => feature.feature)).toEqual(['Island', 'Beak Length (mm)']);
    const beak = features[1];
    expect(beak.wasserstein).toBeGreaterThan(1);
    expect(beak.psiBand).toBe('significant');
    expect(features[0].psiBand).toBe('significant');
    // 2 of 6 features: one third.
    expect(datasetDrift(features, DEFAULT_DRIFT_THRESHOLDS)).toEqual({ enoughData: true, drifted: false, driftedFeatures: ['Island', 'Beak Length (mm)'], share: 2 / 6 });
    expect(datasetDrift(features, { ...DEFAULT_DRIFT_THRESHOLDS, datasetShare: 1 / 3 }).drifted).toBe(true);
  });

  it('gives no verdict on fewer live rows than minRows', () => {
    const features = drifts(rows.slice(0, 99));
    expect(features.every((feature) => !feature.enoughData && !feature.drifted)).toBe(true);
    expect(datasetDrift(features, DEFAULT_DRIFT_THRESHOLDS)).toMatchObject({ enoughData: false, drifted: false });
  });
});
