import { describe, expect, it } from 'vitest';
import {
  BIN_COUNT,
  RESERVOIR_SIZE,
  binCount,
  binLabels,
  binValue,
  createProfiler,
  numericBin,
  predictionDistribution,
  quantile,
} from '../../../server/ml/profile';
import type { FeatureProfile, FeatureSchema, ReferenceProfile, Row } from '../../../server/ml/types';
import { carSchema, cars, loadJson, penguinSchema, penguins, readCsvText, toCsv } from '../../support/datasets';

type NumericProfile = Extract<FeatureProfile, { type: 'numeric' }>;
type CategoryProfile = Exclude<FeatureProfile, NumericProfile>;

function profile(rows: Row[], schema: FeatureSchema[]): ReferenceProfile {
  const profiler = createProfiler(schema);
  for (const row of rows) profiler.add(row);
  return profiler.finish();
}

function numbers(rows: Row[], column: string): number[] {
  return rows.map((row) => row[column]).filter((value): value is number => typeof value === 'number');
}

/** Direct histogram: bin i holds edges[i] ≤ x < edges[i+1], the last bin also x = max. */
function directCounts(values: number[], edges: number[]): number[] {
  const counts = new Array(edges.length - 1).fill(0);
  for (const x of values) {
    for (let i = 0; i < edges.length - 1; i++) {
      const last = i === edges.length - 2;
      if (x >= edges[i] && (x < edges[i + 1] || (last && x === edges[i + 1]))) {
        counts[i]++;
        break;
      }
    }
  }
  return counts;
}

describe('createProfiler', () => {
  const rows = penguins();
  const result = profile(rows, penguinSchema);

  it('counts rows, values and missing values of the penguins exactly', () => {
    expect(result.rows).toBe(344);
    expect(result.features.map((f) => [f.name, f.count, f.missing])).toEqual([
      ['Island', 344, 0],
      ['Beak Length (mm)', 342, 2],
      ['Beak Depth (mm)', 342, 2],
      ['Flipper Length (mm)', 342, 2],
      ['Body Mass (g)', 342, 2],
      ['Sex', 334, 10],
    ]);
  });

  it('matches min, max, mean, std and quantiles computed directly', () => {
    for (const feature of result.features.filter((f): f is NumericProfile => f.type === 'numeric')) {
      const values = numbers(rows, feature.name);
      const sorted = [...values].sort((a, b) => a - b);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      expect(feature.min).toBe(sorted[0]);
      expect(feature.max).toBe(sorted.at(-1));
      expect(feature.mean).toBeCloseTo(mean, 9);
      expect(feature.std).toBeCloseTo(std, 9);
      // numpy.percentile(…, 25) with linear interpolation: position (n − 1) · 0.25.
      const position = (sorted.length - 1) * 0.25;
      const p25 = sorted[Math.floor(position)] + (sorted[Math.ceil(position)] - sorted[Math.floor(position)]) * (position % 1);
      expect(feature.quantiles.p25).toBeCloseTo(p25, 9);
      expect(Object.keys(feature.quantiles)).toEqual(['p1', 'p5', 'p25', 'p50', 'p75', 'p95', 'p99']);
    }
    const flipper = result.features[3] as NumericProfile;
    expect([flipper.min, flipper.quantiles.p50, flipper.max]).toEqual([172, 197, 231]);
  });

  it('puts every value in quantile bins whose counts match a direct histogram', () => {
    for (const feature of result.features.filter((f): f is NumericProfile => f.type === 'numeric')) {
      const values = numbers(rows, feature.name);
      expect(feature.edges[0]).toBe(feature.min);
      expect(feature.edges.at(-1)).toBe(feature.max);
      expect(feature.edges.length).toBeLessThanOrEqual(BIN_COUNT + 1);
      for (let i = 1; i < feature.edges.length; i++) expect(feature.edges[i]).toBeGreaterThan(feature.edges[i - 1]);
      expect(feature.counts).toEqual(directCounts(values, feature.edges));
      expect(feature.counts.reduce((a, b) => a + b)).toBe(feature.count);
      // Deciles: no bin holds much more than a tenth of the values.
      expect(Math.max(...feature.counts)).toBeLessThan(feature.count * 0.2);
    }
  });

  it('gives a feature with few distinct values one bin per value (largest value repeated as the last edge)', () => {
    const cylinders = profile(cars(), carSchema).features[0] as NumericProfile;
    const distinct = [...new Set(numbers(cars(), 'Cylinders'))].sort((a, b) => a - b);
    expect(distinct).toEqual([3, 4, 5, 6, 8]);
    expect(cylinders.edges).toEqual([3, 4, 5, 6, 8, 8]);
    expect(cylinders.counts).toEqual(distinct.map((value) => numbers(cars(), 'Cylinders').filter((x) => x === value).length));
  });

  it('counts categories exactly, keys in code-point order', () => {
    const island = result.features[0] as CategoryProfile;
    const sex = result.features[5] as CategoryProfile;
    const count = (column: string, value: string) => rows.filter((row) => row[column] === value).length;
    expect(island.frequencies).toEqual({ Biscoe: count('Island', 'Biscoe'), Dream: count('Island', 'Dream'), Torgersen: count('Island', 'Torgersen') });
    expect(island.frequencies).toEqual({ Biscoe: 168, Dream: 124, Torgersen: 52 });
    expect(sex.frequencies).toEqual({ '.': 1, FEMALE: 165, MALE: 168 });
    expect(island.other).toBe(0);
  });

  it('profiles CSV strings exactly like the JSON numbers', async () => {
    const columns = penguinSchema.map((f) => f.name);
    const csv = await readCsvText(toCsv(rows, columns), 'penguins.csv');
    expect(profile(csv, penguinSchema)).toEqual(result);
  });

  describe('stays bounded on 20 000 flights', () => {
    const flights = loadJson('flights-20k');
    const schema: FeatureSchema[] = [
      { name: 'delay', type: 'numeric', nullable: false },
      { name: 'origin', type: 'categorical', nullable: false },
    ];
    const flightProfile = profile(flights, schema);
    const delay = flightProfile.features[0] as NumericProfile;
    const origin = flightProfile.features[1] as CategoryProfile;

    it('keeps exact moments and extremes, sampled quantiles close to the exact ones', () => {
      const values = numbers(flights, 'delay');
      const sorted = [...values].sort((a, b) => a - b);
      expect(values.length).toBeGreaterThan(RESERVOIR_SIZE);
      expect(delay.count).toBe(20_000);
      expect([delay.min, delay.max]).toEqual([sorted[0], sorted.at(-1)]);
      expect(delay.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 9);
      expect([delay.edges[0], delay.edges.at(-1)]).toEqual([delay.min, delay.max]);
      expect(delay.counts.reduce((a, b) => a + b)).toBe(20_000);
      // A 10 000-value sample puts the median within a couple of minutes of the truth.
      expect(Math.abs(delay.quantiles.p50 - quantile(sorted, 0.5))).toBeLessThanOrEqual(2);
      const exact = directCounts(values, delay.edges);
      delay.counts.forEach((n, i) => expect(Math.abs(n - exact[i])).toBeLessThan(0.02 * 20_000));
    });

    it('lists the top 50 airports and sums the rest in other', () => {
      const counts = new Map<string, number>();
      for (const row of flights) counts.set(row.origin as string, (counts.get(row.origin as string) ?? 0) + 1);
      expect(counts.size).toBeGreaterThan(50);
      const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 50);
      expect(Object.keys(origin.frequencies)).toHaveLength(50);
      expect(origin.frequencies).toEqual(Object.fromEntries(top));
      expect(origin.other).toBe(20_000 - top.reduce((sum, [, n]) => sum + n, 0));
    });

    it('gives the same profile twice (the reservoir is seeded)', () => {
      expect(profile(flights, schema)).toEqual(flightProfile);
    });
  });
});

describe('binValue', () => {
  const result = profile(penguins(), penguinSchema);
  const flipper = result.features[3] as NumericProfile;
  const island = result.features[0] as CategoryProfile;

  it('numeric: below min, one bin per edge pair (last closed), above max, missing', () => {
    const bins = flipper.counts.length;
    expect(binCount(flipper)).toBe(bins + 3);
    expect(binValue(flipper, 150)).toBe(0);
    expect(binValue(flipper, flipper.min)).toBe(1);
    expect(binValue(flipper, flipper.edges[1])).toBe(2);
    expect(binValue(flipper, (flipper.edges[1] + flipper.edges[2]) / 2)).toBe(2);
    expect(binValue(flipper, flipper.max)).toBe(bins);
    expect(binValue(flipper, '231')).toBe(bins);
    expect(binValue(flipper, 240)).toBe(bins + 1);
    expect(binValue(flipper, null)).toBe(bins + 2);
    expect(binValue(flipper, 'long')).toBe(bins + 2);
    expect(binLabels(flipper)).toHaveLength(bins + 3);
    expect(binLabels(flipper)[0]).toBe('< 172');
  });

  it('places the training values in the profile counts', () => {
    const histogram = new Array(binCount(flipper)).fill(0);
    for (const row of penguins()) histogram[binValue(flipper, row['Flipper Length (mm)'])]++;
    expect(histogram).toEqual([0, ...flipper.counts, 0, flipper.missing]);
  });

  it('categorical: each category in code-point order, then other, then missing', () => {
    expect(binLabels(island)).toEqual(['Biscoe', 'Dream', 'Torgersen', '(other)', '(missing)']);
    expect(['Biscoe', 'Dream', 'Torgersen', 'Anvers', null, ''].map((v) => binValue(island, v))).toEqual([0, 1, 2, 3, 4, 4]);
    // A profile read back from a JSON store with its keys reordered bins the same.
    const reordered = { ...island, frequencies: { Torgersen: 52, Biscoe: 168, Dream: 124 } };
    expect(binValue(reordered, 'Dream')).toBe(1);
  });

  it('boolean: reads yes/no/1/0 as the same bin', () => {
    const flags = profile(
      [{ f: 'yes' }, { f: 'no' }, { f: true }, { f: null }],
      [{ name: 'f', type: 'boolean', nullable: true }],
    ).features[0] as CategoryProfile;
    expect(flags).toMatchObject({ count: 3, missing: 1, frequencies: { false: 1, true: 2 } });
    expect([false, 'TRUE', 1, 'maybe', null].map((v) => binValue(flags, v))).toEqual([0, 1, 1, 3, 3]);
  });

  it('numericBin handles a single-value feature and one with no values', () => {
    expect([4, 5, 6, undefined].map((v) => numericBin([5, 5], v))).toEqual([0, 1, 2, 3]);
    expect([1, undefined].map((v) => numericBin([], v))).toEqual([1, 2]);
  });
});

describe('predictionDistribution', () => {
  it('counts classes, every label included', () => {
    const predictions = ['b', 'a', 'b'].map((prediction) => ({ prediction }));
    expect(predictionDistribution('multiclass', predictions, ['a', 'b', 'c'])).toEqual({ kind: 'classes', counts: { a: 1, b: 2, c: 0 } });
  });

  it('bins regression predictions on their deciles', () => {
    const values = numbers(cars(), 'Miles_per_Gallon');
    const distribution = predictionDistribution('regression', values.map((prediction) => ({ prediction })));
    if (distribution.kind !== 'bins') throw new Error('expected bins');
    expect(distribution.edges[0]).toBe(Math.min(...values));
    expect(distribution.edges.at(-1)).toBe(Math.max(...values));
    expect(distribution.counts).toEqual(directCounts(values, distribution.edges));
    expect(distribution.counts.reduce((a, b) => a + b)).toBe(values.length);
  });
});
