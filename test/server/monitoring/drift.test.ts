import { describe, expect, it } from 'vitest';
import { binCount, binLabels, binValue, createProfiler, isDiscreteEdges, shortNumber } from '../../../server/ml/profile';
import type { FeatureProfile, PredictionDistribution, Row } from '../../../server/ml/types';
import { criticalJensenShannon, DEFAULT_DRIFT_THRESHOLDS } from '../../../server/monitoring/drift/calibration';
import { jensenShannonDistance } from '../../../server/monitoring/drift/jensen-shannon';
import { psi, psiBand } from '../../../server/monitoring/drift/psi';
import { featuresDrift, numericLayout, predictionBin, predictionBinCount, predictionDrift, referenceCounts } from '../../../server/monitoring/drift/report';
import {
  chiSquareQuantileUpper,
  chiSquareSurvival,
  chiSquareTest,
  gTest,
  holmAdjust,
  mergeSparseBins,
  normalTwoSidedQuantile,
  proportionTest,
  rankSumTest,
} from '../../../server/monitoring/drift/tests';
import { normalizedWasserstein } from '../../../server/monitoring/drift/wasserstein';
import { CAR_FEATURES, cars, penguinSchema, penguins } from '../../support/datasets';
import { inferFeatureTypes } from '../../../server/ml/csv';

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
  // The present bins of edges [0, 1, 2, 3, 4]: below at the min, inner at midpoints, above at the max.
  const edges = numericLayout([0, 1, 2, 3, 4], 1).positions;

  it('is the shift divided by the std for a histogram shifted by whole bins', () => {
    const reference = [0, 50, 50, 0, 0, 0];
    expect(normalizedWasserstein(edges, reference, [0, 0, 50, 50, 0, 0], 2)).toBeCloseTo(0.5, 12);
    expect(normalizedWasserstein(edges, reference, [0, 0, 0, 50, 50, 0], 2)).toBeCloseTo(1, 12);
    expect(normalizedWasserstein(edges, reference, [0, 0, 0, 50, 50, 0], 0.5)).toBeCloseTo(4, 12);
  });

  it('is 0 for identical distributions and divides by 1 when the std is 0', () => {
    expect(normalizedWasserstein(edges, [0, 1, 2, 3, 4, 0], [0, 2, 4, 6, 8, 0], 2)).toBe(0);
    expect(normalizedWasserstein(edges, [0, 50, 50, 0, 0, 0], [0, 0, 50, 50, 0, 0], 0)).toBeCloseTo(1, 12);
  });

  it('places below-min at the min and above-max at the max', () => {
    // Everything moves from the first bin's midpoint (0.5) to the min (0).
    expect(normalizedWasserstein(edges, [0, 10, 0, 0, 0, 0], [10, 0, 0, 0, 0, 0], 1)).toBeCloseTo(0.5, 12);
    // From the last midpoint (3.5) to the max (4), however far above the values really were.
    expect(normalizedWasserstein(edges, [0, 0, 0, 0, 10, 0], [0, 0, 0, 0, 0, 10], 1)).toBeCloseTo(0.5, 12);
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
      expect(normalizedWasserstein(edges, reference, current, 1)).toBeCloseTo(direct, 10);
    }
  });

  it('rejects counts that do not fit the positions or have no values', () => {
    expect(() => normalizedWasserstein(edges, [1, 2, 3, 4, 5], [1, 2, 3, 4, 5], 1)).toThrow(RangeError);
    expect(() => normalizedWasserstein(edges, [0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], 1)).toThrow(RangeError);
  });
});

describe('the test statistics, against SciPy 1.10 (values printed by scipy.stats)', () => {
  it('χ² survival function: chi2.sf', () => {
    const cases: Array<[number, number, number]> = [
      [3.841458820694124, 1, 0.04999999999999989],
      [23.1, 2, 9.636043103963855e-6],
      [0.5, 5, 0.9921232932326296],
      [100, 50, 3.454931382984871e-5],
      [1e-3, 3, 0.9999915920809419],
      [40, 9, 7.598525229464264e-6],
      [300, 9, 2.6102773472069844e-59],
    ];
    for (const [x, df, expected] of cases) expect(chiSquareSurvival(x, df) / expected).toBeCloseTo(1, 9);
    // chi2.isf(0.05 / 6, 2) and norm.isf(0.025)
    expect(chiSquareQuantileUpper(0.05 / 6, 2)).toBeCloseTo(9.574983485564092, 8);
    expect(normalTwoSidedQuantile(0.05)).toBeCloseTo(1.9599639845400545, 8);
  });

  it('Pearson χ² and G-test of homogeneity: chi2_contingency(correction=False), with lambda_="log-likelihood"', () => {
    const chi = chiSquareTest([30, 50, 20], [45, 35, 20]);
    expect(chi.df).toBe(2);
    expect(chi.statistic).toBeCloseTo(5.647058823529411, 10);
    expect(chi.pValue).toBeCloseTo(0.05939593960520477, 10);
    const g = gTest([30, 50, 20], [45, 35, 20]);
    expect(g.statistic).toBeCloseTo(5.681298971513799, 10);
    expect(g.pValue).toBeCloseTo(0.0583877316468525, 10);
    // Bins empty on both sides do not count as degrees of freedom.
    expect(chiSquareTest([30, 0, 50, 20], [45, 0, 35, 20])).toEqual(chi);
  });

  it('rank-sum test on binned values: mannwhitneyu(live, reference, method="asymptotic", use_continuity=False)', () => {
    // U = 1647.5 for live [2, 5, 15, 15, 13] against reference [5, 10, 20, 10, 5] on values 0…4.
    const result = rankSumTest([5, 10, 20, 10, 5], [2, 5, 15, 15, 13]);
    expect(result.pValue).toBeCloseTo(0.004533526900805501, 10);
    expect(result.statistic).toBeGreaterThan(0);
    expect(rankSumTest([2, 5, 15, 15, 13], [5, 10, 20, 10, 5]).statistic).toBeCloseTo(-result.statistic, 12);
  });

  it('two-proportion test: fisher_exact for rare events, the 2 × 2 chi2_contingency beyond', () => {
    // 11 of 344 training rows missing, none of 300 live rows.
    const result = proportionTest(11, 344, 0, 300);
    expect(result.statistic ** 2).toBeCloseTo(9.759726661523198, 9);
    expect(result.pValue).toBeCloseTo(0.00113948110100224, 10);
    expect(result.statistic).toBeLessThan(0);
    expect(proportionTest(2, 344, 3, 100).pValue).toBeCloseTo(0.0779908740338962, 10);
    // 4300 events: the normal approximation, z² = χ².
    const large = proportionTest(2000, 10000, 2300, 10000);
    expect(large.statistic ** 2).toBeCloseTo(26.66271663457266, 8);
    expect(large.pValue / 2.422511295197616e-7).toBeCloseTo(1, 8);
  });
});

describe('mergeSparseBins and Holm', () => {
  it('merges neighbours until the smaller side expects 5 rows per bin, a short tail into the last group', () => {
    // n = m = 100: a bin needs 10 rows in total.
    // 5 rows, then 11 (closed); 40; 1, then 71 (closed); 78.
    expect(mergeSparseBins([2, 2, 20, 1, 40, 35], [3, 4, 20, 0, 30, 43])).toEqual([
      [4, 20, 41, 35],
      [7, 20, 30, 43],
    ]);
    // A short tail joins the group before it.
    expect(mergeSparseBins([50, 50, 1], [50, 50, 2])).toEqual([
      [50, 51],
      [50, 52],
    ]);
    expect(mergeSparseBins([1, 1], [1, 1])).toEqual([[2], [2]]);
  });

  it('adjusts p-values step-down, never below the raw ones, NaN left out of the family', () => {
    expect(holmAdjust([0.01, 0.04, 0.03, Number.NaN])).toEqual([0.03, 0.06, 0.06, Number.NaN]);
    expect(holmAdjust([0.5, 0.001])).toEqual([0.5, 0.002]);
  });
});

describe('discrete numeric features', () => {
  const profiler = createProfiler(inferFeatureTypes(cars(), CAR_FEATURES));
  for (const row of cars()) profiler.add(row);
  const profile = profiler.finish();
  const cylinders = profile.features.find((f) => f.name === 'Cylinders') as NumericProfile;

  it('get one bin per value when the reference has few distinct values', () => {
    expect(cylinders.edges).toEqual([3, 4, 5, 6, 8, 8]);
    expect(isDiscreteEdges(cylinders.edges)).toBe(true);
    expect(binLabels(cylinders)).toEqual(['< 3', '3', '4', '5', '6', '8', '> 8', '(missing)']);
    expect([3, 4, 5, 6, 8, 9, null].map((v) => binValue(cylinders, v))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(cylinders.counts.reduce((a, b) => a + b, 0)).toBe(cylinders.count);
    // Continuous features keep quantile bins, labelled to 4 significant digits.
    const weight = profile.features.find((f) => f.name === 'Weight_in_lbs') as NumericProfile;
    expect(isDiscreteEdges(weight.edges)).toBe(false);
    expect(weight.edges.length).toBe(11);
  });

  it('keep the quantile layout of a profile made before (discreteValues 0), which still bins live values as it did', () => {
    const profiler = createProfiler(inferFeatureTypes(cars(), CAR_FEATURES), { discreteValues: 0 });
    for (const row of cars()) profiler.add(row);
    const old = profiler.finish().features.find((f) => f.name === 'Cylinders') as NumericProfile;
    expect(isDiscreteEdges(old.edges)).toBe(false);
    expect(binValue(old, 5)).toBe(binValue(old, 4));
  });

  it('measure Wasserstein exactly: moving 20 % of the cars from 4 to 8 cylinders is 0.8 cylinders', () => {
    const reference = referenceCounts(cylinders);
    const live = [0, 0, 80, 0, 0, 20, 0, 0];
    const [drift] = featuresDrift([{ ...cylinders, counts: [0, 100, 0, 0, 0], count: 100, missing: 0 }], () => live).features;
    expect(drift.wasserstein).toBeCloseTo(0.8 / cylinders.std, 12);
    expect(drift.wassersteinError).toBe(0);
    expect(reference).toHaveLength(binCount(cylinders));
  });

  it('labels numbers to 4 significant digits', () => {
    expect(shortNumber(38.339999999999996)).toBe('38.34');
    expect(shortNumber(36.6)).toBe('36.6');
    expect(shortNumber(4000)).toBe('4000');
    expect(shortNumber(1234567)).toBe('1.235e+6');
  });
});

describe('feature verdicts on constructed counts', () => {
  /** A categorical profile of 1000 training rows: a 500, b 300, c 200, none missing. */
  const colour: FeatureProfile = { name: 'colour', type: 'categorical', count: 1000, missing: 0, frequencies: { a: 500, b: 300, c: 200 }, other: 0 };

  it('gives no scores below minRows, with the reason', () => {
    const { features, enoughData } = featuresDrift([numeric], () => [0, 20, 20, 20, 20, 0, 19]);
    expect(enoughData).toBe(false);
    expect(features[0]).toMatchObject({ rows: 99, enoughData: false, drifted: false, reason: 'not enough data: 99 live rows, at least 100 needed' });
  });

  it('judges the same shares differently at 100 and at 10 000 live rows: the threshold knows the window', () => {
    // a 45 %, b 33 %, c 22 % against 50 / 30 / 20: JS 0.04, above the 0.03 floor.
    const small = featuresDrift([colour], () => [45, 33, 22, 0, 0]).features[0];
    const large = featuresDrift([colour], () => [4500, 3300, 2200, 0, 0]).features[0];
    expect(small.jensenShannon).toBeCloseTo(large.jensenShannon!, 12);
    expect(small.jensenShannon).toBeGreaterThan(0.03);
    expect(small).toMatchObject({ drifted: false, test: 'chi-square', df: 2, effect: 'jensenShannon' });
    expect(large).toMatchObject({ drifted: true, test: 'chi-square', df: 2 });
    // The χ² of the 2 × 3 table, by hand: chiSquareTest on the same counts.
    expect(large.statistic).toBeCloseTo(chiSquareTest([500, 300, 200], [4500, 3300, 2200]).statistic, 12);
    expect(large.pValue).toBeLessThan(0.05);
    expect(small.windowThreshold).toBeGreaterThan(large.windowThreshold!);
    expect(small.windowThreshold).toBeCloseTo(criticalJensenShannon(100, 1000, 2, 0.05)!, 12);
    expect(large.reason).toMatch(/^drifted: χ² test χ² = [\d.]+ \(df 2\), p = .+ \(corrected .+ vs 0\.05: significant\); Jensen–Shannon 0\.04\d* \(floor 0\.03; this window needs about 0\.0\d+\)$/);
    expect(small.reason).toMatch(/^no drift: .*within noise/);
  });

  it('does not flag a significant change below the effect-size floor', () => {
    // 50.5 / 29.75 / 19.75 on a million rows: certainly different, trivially so.
    const tiny = featuresDrift([{ ...colour, frequencies: { a: 500_000, b: 300_000, c: 200_000 }, count: 1_000_000 }], () => [505_000, 297_500, 197_500, 0, 0]).features[0];
    expect(tiny.adjustedPValue).toBeLessThan(0.05);
    expect(tiny.jensenShannon).toBeLessThan(0.03);
    expect(tiny.drifted).toBe(false);
    expect(tiny.reason).toContain('below the floor');
  });

  it('sees a shift of a numeric feature with the rank-sum test, and measures it in standard deviations', () => {
    // A tenth of the values moved from the lowest bin to the highest: W = 0.1 · 3 bins = 0.3 / std 2 = 0.15.
    const reference = { ...numeric, count: 1000, missing: 0, counts: [250, 250, 250, 250] };
    const shifted = featuresDrift([reference], () => [0, 150, 250, 250, 350, 0, 0]).features[0];
    expect(shifted).toMatchObject({ drifted: true, test: 'rank-sum', effect: 'wasserstein' });
    expect(shifted.wasserstein).toBeCloseTo(0.15, 12);
    expect(shifted.statistic).toBeGreaterThan(0);
    expect(shifted.pValue).toBeCloseTo(rankSumTest([0, 250, 250, 250, 250, 0], [0, 150, 250, 250, 350, 0]).pValue, 12);
    // The rank test gets 3/4 of α inside the feature, χ² the rest.
    expect(shifted.adjustedPValue).toBeCloseTo(shifted.pValue! / 0.75, 12);
  });

  it('sees a change of spread with χ² when the ranks stay balanced', () => {
    // Same median, the middle emptied into both ends.
    const spread = featuresDrift([{ ...numeric, count: 1000, counts: [250, 250, 250, 250] }], () => [0, 500, 0, 0, 500, 0, 0]).features[0];
    expect(spread).toMatchObject({ drifted: true, test: 'chi-square' });
  });

  it('leaves missing values out of the distribution and tests their share on its own', () => {
    // Sex in training: 2.9 % missing; live: complete rows with the same shares of the rest.
    const sex: FeatureProfile = { name: 'Sex', type: 'categorical', count: 333, missing: 11, frequencies: { FEMALE: 165, MALE: 168 }, other: 0 };
    const complete = featuresDrift([sex], () => [165, 168, 0, 0]).features[0];
    expect(complete.jensenShannon).toBe(0);
    expect(complete.drifted).toBe(false);
    expect(complete.missing).toMatchObject({ reference: 11 / 344, current: 0 });
    // 11 of 344 against 0 of 333 (Fisher p ≈ 0.001), a change of 3.2 points: flagged as missing values, not as drift.
    expect(complete.missing!.changed).toBe(true);
    expect(complete.reason).toContain('missing values changed: 3.198 % → 0 %');
    const report = featuresDrift([sex], () => [165, 168, 0, 0]);
    expect(report).toMatchObject({ drifted: false, missingChangedFeatures: ['Sex'] });
    // Above the floor only: with a 5-point floor the same change is not reported.
    expect(featuresDrift([sex], () => [165, 168, 0, 0], { ...DEFAULT_DRIFT_THRESHOLDS, missingShare: 0.05 }).features[0].missing!.changed).toBe(false);
  });

  it('corrects for the number of features: Holm over the family, the dataset drifted when any feature is', () => {
    // A p-value that passes alone fails among 20 features that show nothing.
    const alone = featuresDrift([colour], () => [440, 340, 220, 0, 0]);
    const p = alone.features[0].pValue!;
    expect(p).toBeLessThan(0.05);
    expect(p * 20).toBeGreaterThan(0.05);
    expect(alone).toMatchObject({ drifted: true, driftedFeatures: ['colour'], share: 1, expectedShare: 0.05 });
    const others = Array.from({ length: 19 }, (_, i) => ({ ...colour, name: `quiet ${i}` }));
    const crowd = featuresDrift([colour, ...others], (f) => (f.name === 'colour' ? [440, 340, 220, 0, 0] : [500, 300, 200, 0, 0]));
    expect(crowd.features[0].adjustedPValue).toBeCloseTo(Math.min(1, 20 * p), 12);
    expect(crowd).toMatchObject({ drifted: false, driftedFeatures: [], share: 0, expectedShare: 0.05 / 20 });
  });

  it('rejects live counts in another layout', () => {
    expect(() => featuresDrift([numeric], () => [1, 2, 3])).toThrow(RangeError);
  });
});

describe('predictionDrift', () => {
  const classes: PredictionDistribution = { kind: 'classes', counts: { b: 60, a: 40 } };
  const bins: PredictionDistribution = { kind: 'bins', edges: [0, 10, 20], counts: [50, 50] };

  it('bins class predictions in code-point label order with an "other" slot, numbers like a numeric feature', () => {
    expect(predictionBinCount(classes)).toBe(3);
    expect(['a', 'b', 'c'].map((p) => predictionBin(classes, p))).toEqual([0, 1, 2]);
    expect(predictionBinCount(bins)).toBe(5);
    expect([-1, 5, 15, 20, 21].map((p) => predictionBin(bins, p))).toEqual([0, 1, 2, 2, 3]);
  });

  it('judges live class counts against the holdout predictions with χ², alone at the significance level', () => {
    const same = predictionDrift(classes, [400, 600, 0]);
    expect(same).toMatchObject({ kind: 'classes', drifted: false, labels: ['a', 'b', '(other)'], reference: [0.4, 0.6, 0], current: [0.4, 0.6, 0] });
    const moved = predictionDrift(classes, [700, 300, 0]);
    expect(moved).toMatchObject({ drifted: true, test: 'chi-square' });
    expect(moved.missing).toBeUndefined();
  });

  it('judges binned predictions like a numeric feature', () => {
    const drift = predictionDrift(bins, [0, 0, 100, 0, 0]);
    expect(drift.labels).toEqual(['< 0', '[0, 10)', '[10, 20]', '> 20', '(missing)']);
    expect(drift).toMatchObject({ kind: 'bins', drifted: true, effect: 'wasserstein' });
    expect(predictionDrift(bins, [0, 100, 100, 0, 0])).toMatchObject({ wasserstein: 0, drifted: false });
  });
});

describe('drift of the penguins against their own profile', () => {
  const rows = penguins();
  const profiler = createProfiler(penguinSchema);
  for (const row of rows) profiler.add(row);
  const profile = profiler.finish();
  const countsOf = (live: Row[]) => (feature: FeatureProfile) => {
    const counts = new Array<number>(binCount(feature)).fill(0);
    for (const row of live) counts[binValue(feature, row[feature.name])]++;
    return counts;
  };

  it('finds no drift in the training rows themselves', () => {
    profile.features.forEach((feature) => expect(countsOf(rows)(feature)).toEqual(referenceCounts(feature)));
    const report = featuresDrift(profile.features, countsOf(rows));
    expect(report).toMatchObject({ enoughData: true, drifted: false, driftedFeatures: [], missingChangedFeatures: [] });
    expect(report.features.every((f) => f.pValue === 1 || f.pValue! > 0.99)).toBe(true);
  });

  it('finds exactly the two changed features drifted, and the dataset with them', () => {
    const changed = rows.map((row) => ({
      ...row,
      'Beak Length (mm)': typeof row['Beak Length (mm)'] === 'number' ? row['Beak Length (mm)'] * 1.3 : row['Beak Length (mm)'],
      Island: 'Biscoe',
    }));
    const report = featuresDrift(profile.features, countsOf(changed));
    expect(report.driftedFeatures).toEqual(['Island', 'Beak Length (mm)']);
    expect(report.drifted).toBe(true);
    expect(report.share).toBeCloseTo(2 / 6, 12);
    expect(report.features[1].wasserstein).toBeGreaterThan(1);
  });
});
