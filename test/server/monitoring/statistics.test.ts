import { describe, expect, it } from 'vitest';
import {
  LATENCY_EDGES_MS,
  addPair,
  classificationPerformance,
  comparisonFromSums,
  emptyPairSums,
  histogramQuantile,
  latencyBin,
  mergePairSums,
  regressionPerformance,
  type PairSums,
} from '../../../server/monitoring/statistics';

function sumsOf(pairs: Array<[string | number, string | number]>): PairSums {
  const sums = emptyPairSums();
  for (const [main, challenger] of pairs) addPair(sums, { prediction: main }, { prediction: challenger });
  return sums;
}

function pearson(x: number[], y: number[]): number {
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const [mx, my] = [mean(x), mean(y)];
  let [sxy, sxx, syy] = [0, 0, 0];
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i] - my);
    sxx += (xi - mx) ** 2;
    syy += (y[i] - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

describe('latencyBin', () => {
  it('puts a duration in [0, e0), [e0, e1), …, [last, ∞)', () => {
    const last = LATENCY_EDGES_MS.length;
    expect([0, 0.2499, 0.25, 0.3, 0.5, 1, 4999, 5000, 1e9].map(latencyBin)).toEqual([0, 0, 1, 1, 2, 3, last - 1, last, last]);
    expect(latencyBin(-3)).toBe(0);
    expect(latencyBin(Number.NaN)).toBe(0);
  });

  it('has ascending edges', () => {
    expect([...LATENCY_EDGES_MS].sort((a, b) => a - b)).toEqual(LATENCY_EDGES_MS);
    expect(new Set(LATENCY_EDGES_MS).size).toBe(LATENCY_EDGES_MS.length);
  });
});

describe('histogramQuantile', () => {
  const edges = [1, 2, 4];

  it('interpolates linearly inside the bin holding the rank', () => {
    // 10 values in [1, 2) and 10 in [2, 4): the median is at the top of the first, p75 half-way up the second.
    const counts = [0, 10, 10, 0];
    expect(histogramQuantile(counts, edges, 0.5)).toBe(2);
    expect(histogramQuantile(counts, edges, 0.75)).toBe(3);
    expect(histogramQuantile(counts, edges, 0.25)).toBe(1.5);
    expect(histogramQuantile(counts, edges, 1)).toBe(4);
  });

  it('starts the first bin at 0 and skips empty bins at q = 0', () => {
    expect(histogramQuantile([4, 0, 0, 0], edges, 0.5)).toBe(0.5);
    expect(histogramQuantile([0, 0, 6, 0], edges, 0)).toBe(2);
  });

  it('answers the lower edge of the open last bin', () => {
    expect(histogramQuantile([0, 0, 0, 5], edges, 0.5)).toBe(4);
    expect(histogramQuantile([5, 0, 0, 5], edges, 0.99)).toBe(4);
  });

  it('is null for an empty histogram or no counts at all', () => {
    expect(histogramQuantile([0, 0, 0, 0], edges, 0.5)).toBeNull();
    expect(histogramQuantile([], edges, 0.5)).toBeNull();
  });

  it('reads latency histograms built with latencyBin', () => {
    const counts = new Array<number>(LATENCY_EDGES_MS.length + 1).fill(0);
    // 100 requests between 10 and 20 ms: p50 = 10 + 10 · 50/100, p90 = 10 + 10 · 90/100.
    for (let i = 0; i < 100; i++) counts[latencyBin(10 + i / 10)]++;
    expect(histogramQuantile(counts, LATENCY_EDGES_MS, 0.5)).toBeCloseTo(15, 12);
    expect(histogramQuantile(counts, LATENCY_EDGES_MS, 0.9)).toBeCloseTo(19, 12);
  });

  it('rejects counts that do not fit the edges and quantiles outside [0, 1]', () => {
    expect(() => histogramQuantile([1, 2], edges, 0.5)).toThrow(RangeError);
    expect(() => histogramQuantile([0, 1, 0, 0], edges, 1.5)).toThrow(RangeError);
    expect(() => histogramQuantile([0, 1, 0, 0], edges, Number.NaN)).toThrow(RangeError);
  });
});

describe('pair sums', () => {
  it('count classification agreement', () => {
    const sums = sumsOf([['a', 'a'], ['a', 'b'], ['b', 'b'], ['c', 'c']]);
    expect(sums).toMatchObject({ pairs: 4, agreements: 3 });
    expect(comparisonFromSums(sums, 'classification')).toEqual({ pairs: 4, agreementRate: 0.75, meanAbsoluteDifference: null, correlation: null });
  });

  it('give the mean absolute difference and the Pearson correlation of a direct computation', () => {
    const x = [3.2, 1.5, 7.8, 4.4, 9.1, 2.0, 5.5];
    const y = [3.0, 2.1, 7.1, 5.0, 8.2, 2.9, 5.1];
    const sums = sumsOf(x.map((xi, i) => [xi, y[i]]));
    const comparison = comparisonFromSums(sums, 'regression');
    expect(comparison.pairs).toBe(7);
    expect(comparison.agreementRate).toBeNull();
    expect(comparison.meanAbsoluteDifference).toBeCloseTo(x.reduce((s, xi, i) => s + Math.abs(xi - y[i]), 0) / 7, 12);
    expect(comparison.correlation).toBeCloseTo(pearson(x, y), 12);
    expect(comparison.correlation).toBeGreaterThan(0.9);
    // A perfect negative relation.
    expect(comparisonFromSums(sumsOf([[1, 10], [2, 8], [3, 6]]), 'regression').correlation).toBeCloseTo(-1, 12);
  });

  it('merge hour by hour into the sums of all the pairs', () => {
    const pairs: Array<[number, number]> = [[1, 2], [2, 2.5], [3, 2], [4, 5], [5, 4.5], [6, 7]];
    const merged = mergePairSums(sumsOf(pairs.slice(0, 2)), sumsOf(pairs.slice(2)));
    const all = sumsOf(pairs);
    for (const key of Object.keys(all) as Array<keyof PairSums>) expect(merged[key]).toBeCloseTo(all[key], 12);
    expect(mergePairSums(emptyPairSums(), all)).toEqual(all);
  });

  it('have no correlation without variance or with fewer than two pairs', () => {
    expect(comparisonFromSums(sumsOf([[0.1, 1], [0.1, 2], [0.1, 3]]), 'regression').correlation).toBeNull();
    expect(comparisonFromSums(sumsOf([[1, 2]]), 'regression')).toEqual({ pairs: 1, agreementRate: null, meanAbsoluteDifference: 1, correlation: null });
    expect(comparisonFromSums(emptyPairSums())).toEqual({ pairs: 0, agreementRate: null, meanAbsoluteDifference: null, correlation: null });
  });

  it('leave out numeric pairs that are not finite', () => {
    expect(sumsOf([[Number.NaN, 1], [2, Number.POSITIVE_INFINITY], [3, 3]])).toMatchObject({ pairs: 1, agreements: 1, sumX: 3 });
  });
});

describe('performance', () => {
  it('gives accuracy and macro F1 of labelled predictions', () => {
    // a: TP 1, FP 0, FN 1 → F1 2/3; b: TP 2, FP 1, FN 0 → F1 4/5; macro (2/3 + 4/5) / 2 = 11/15.
    const result = classificationPerformance(['a', 'a', 'b', 'b'], ['a', 'b', 'b', 'b']);
    expect(result?.accuracy).toBe(0.75);
    expect(result?.macroF1).toBeCloseTo(11 / 15, 12);
  });

  it('gives RMSE and MAE of labelled predictions', () => {
    // Errors 0, 0, 2: RMSE √(4/3), MAE 2/3.
    const result = regressionPerformance([1, 2, 3], [1, 2, 5]);
    expect(result?.rmse).toBeCloseTo(Math.sqrt(4 / 3), 12);
    expect(result?.mae).toBeCloseTo(2 / 3, 12);
  });

  it('is null without labelled rows and rejects mismatched arrays', () => {
    expect(classificationPerformance([], [])).toBeNull();
    expect(regressionPerformance([], [])).toBeNull();
    expect(() => regressionPerformance([1, 2], [1])).toThrow(RangeError);
  });
});
