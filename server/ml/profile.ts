import type { FeatureProfile, FeatureSchema, Prediction, PredictionDistribution, ReferenceProfile, Row, Task } from './types';
import { seededRandom, type Random } from './random';
import { compareText, isMissing, parseBoolean, parseCategory, parseNumber } from './values';

/**
 * The reference profile: what each feature looked like in the training data, on bins that
 * monitoring reuses to place live values, so drift compares like with like.
 *
 * Bin layout (what `binValue` returns, and what `binLabels` names):
 * - numeric, with B bins from `edges` (B + 1 ascending edges): 0 = below min (x < edges[0]);
 *   1…B = bin i covering [edges[i−1], edges[i]), the last one closed at the max;
 *   B + 1 = above max (x > edges[B]); B + 2 = missing (or not a number).
 *   Discrete features (at most `DISCRETE_VALUES` distinct values in the reference) get one bin
 *   per value: edges are the values with the largest one repeated, [v1, …, vk, vk], so bin i
 *   holds v_i (and anything between v_i and v_i+1) and the last bin is [vk, vk]. The repeated
 *   last edge is what marks the layout (`isDiscreteEdges`). Profiles made before this layout
 *   keep their quantile edges, and the prediction log keeps binning their live values on them:
 *   a profile's edges never change, so stored aggregates always match their profile.
 * - categorical / boolean, with the K categories of `frequencies` in code-point order
 *   (never object-key order, which JSON stores may not keep): 0…K−1 = that category;
 *   K = other; K + 1 = missing (or not a valid value).
 *
 * In a feature profile `count` is the number of present values and `missing` the number of
 * missing or invalid ones; `count + missing` is the number of rows. Means and standard
 * deviations are exact (population std); quantiles and bin edges come from a uniform sample
 * of at most `RESERVOIR_SIZE` values per feature, exact below that.
 */

/** Values kept per numeric feature for quantiles and bin edges. */
export const RESERVOIR_SIZE = 10_000;
/** Target number of quantile bins; equal edges are merged, so there may be fewer. */
export const BIN_COUNT = 10;
/**
 * A numeric feature with at most this many distinct values in the reference gets one bin per
 * value: quantile bins would merge values (cylinders 4 and 5, 6 and 8) and hide moves between them.
 */
export const DISCRETE_VALUES = 20;
/** Categories listed by name in a profile; the rest are summed in `other`. */
export const TOP_CATEGORIES = 50;
/** Distinct categories counted exactly per feature; later new ones go straight to `other`. */
export const TRACKED_CATEGORIES = 10_000;

const QUANTILES: ReadonlyArray<[string, number]> = [
  ['p1', 0.01],
  ['p5', 0.05],
  ['p25', 0.25],
  ['p50', 0.5],
  ['p75', 0.75],
  ['p95', 0.95],
  ['p99', 0.99],
];

/** Accumulates rows one at a time in bounded memory; `finish` returns the profile. */
export interface Profiler {
  add(row: Row): void;
  finish(): ReferenceProfile;
}

/**
 * Starts a streaming profile of the schema's features. `seed` fixes the reservoir sample, so
 * profiling the same file twice gives the same profile. `discreteValues` overrides
 * `DISCRETE_VALUES` (0: quantile bins always, as profiles were made before; bench:drift uses it).
 */
export function createProfiler(schema: FeatureSchema[], options: { seed?: number; discreteValues?: number } = {}): Profiler {
  const random = seededRandom(options.seed ?? 1);
  const discreteValues = options.discreteValues ?? DISCRETE_VALUES;
  const accumulators = schema.map((feature) =>
    feature.type === 'numeric' ? new NumericAccumulator(feature.name, random, discreteValues) : new CategoryAccumulator(feature.name, feature.type),
  );
  let rows = 0;
  return {
    add(row: Row): void {
      rows++;
      for (const accumulator of accumulators) accumulator.add(row[accumulator.name]);
    },
    finish(): ReferenceProfile {
      return { rows, features: accumulators.map((accumulator) => accumulator.finish()) };
    },
  };
}

/** Number of bins of a feature profile, including below/above (numeric), other and missing. */
export function binCount(profile: FeatureProfile): number {
  return profile.type === 'numeric' ? profile.counts.length + 3 : Object.keys(profile.frequencies).length + 2;
}

/** A readable name per bin, in the layout described above. */
export function binLabels(profile: FeatureProfile): string[] {
  if (profile.type !== 'numeric') return [...categoriesOf(profile), '(other)', '(missing)'];
  return numericBinLabels(profile.edges);
}

/** Names of the numeric layout on `edges` (4 significant digits), missing included: values for a discrete layout, intervals otherwise. */
export function numericBinLabels(edges: readonly number[]): string[] {
  const discrete = isDiscreteEdges(edges);
  const inner = edges.slice(1).map((edge, i) => (discrete ? shortNumber(edges[i]) : `[${shortNumber(edges[i])}, ${shortNumber(edge)}${i === edges.length - 2 ? ']' : ')'}`));
  const low = edges.length > 0 ? shortNumber(edges[0]) : 'min';
  const high = edges.length > 0 ? shortNumber(edges[edges.length - 1]) : 'max';
  return [`< ${low}`, ...inner, `> ${high}`, '(missing)'];
}

/** Whether numeric `edges` are the one-bin-per-value layout (largest value repeated; a single value [v, v] is one too). */
export function isDiscreteEdges(edges: readonly number[]): boolean {
  return edges.length >= 2 && edges[edges.length - 1] === edges[edges.length - 2];
}

/** A number in at most 4 significant digits, without trailing zeros: 38.339999999999996 → 38.34. */
export function shortNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) >= 1e6 || Math.abs(value) < 1e-3)) return value.toPrecision(4).replace(/\.?0+e/, 'e');
  return String(Number(value.toPrecision(4)));
}

/** The bin (see the layout above) a live value falls into, read exactly as training read it. */
export function binValue(profile: FeatureProfile, value: unknown): number {
  if (profile.type === 'numeric') return numericBin(profile.edges, isMissing(value) ? undefined : parseNumber(value));
  const categories = categoriesOf(profile);
  const category = categoryOfValue(profile.type, value);
  if (category === undefined) return categories.length + 1;
  const index = categories.indexOf(category);
  return index >= 0 ? index : categories.length;
}

/**
 * The bin of a number among ascending `edges` (B + 1 edges, B bins): 0 below, 1…B inside,
 * B + 1 above, B + 2 for undefined. Also places live predictions on a `bins` distribution.
 * With no edges (a feature never seen) every number lands above.
 */
export function numericBin(edges: readonly number[], value: number | undefined): number {
  const bins = Math.max(edges.length - 1, 0);
  if (value === undefined || Number.isNaN(value)) return bins + 2;
  if (edges.length === 0 || value > edges[edges.length - 1]) return bins + 1;
  if (value < edges[0]) return 0;
  // The largest i < B with edges[i] <= value: bin i + 1 (so the max lands in the last bin).
  let low = 0;
  let high = edges.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (edges[middle] <= value) low = middle;
    else high = middle;
  }
  return low + 1;
}

/**
 * How a model's predictions on the holdout split are distributed. Classification: a count
 * per label (every label in `labels`, zero included). Regression: the same quantile binning
 * as a numeric feature, with counts for the inner bins (all predictions fall inside).
 */
export function predictionDistribution(task: Task, predictions: Prediction[], labels?: string[]): PredictionDistribution {
  if (task !== 'regression') {
    const counts: Record<string, number> = {};
    for (const label of labels ?? []) counts[label] = 0;
    for (const { prediction } of predictions) counts[String(prediction)] = (counts[String(prediction)] ?? 0) + 1;
    return { kind: 'classes', counts };
  }
  const values = predictions.map(({ prediction }) => Number(prediction)).filter(Number.isFinite).sort((a, b) => a - b);
  const edges = quantileEdges(values, BIN_COUNT);
  const counts = binCounts(edges, values);
  return { kind: 'bins', edges, counts };
}

/** Linear-interpolation quantile (numpy's default) of ascending `sorted`. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/**
 * Edges at the 0, 1/bins, …, 1 quantiles of ascending `sorted`, equal neighbours merged; a
 * single distinct value gives one bin [v, v]; no values give no edges.
 */
export function quantileEdges(sorted: readonly number[], bins: number): number[] {
  if (sorted.length === 0) return [];
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) {
    const edge = i === 0 ? sorted[0] : i === bins ? sorted[sorted.length - 1] : quantile(sorted, i / bins);
    if (edges.length === 0 || edge > edges[edges.length - 1]) edges.push(edge);
  }
  return edges.length === 1 ? [edges[0], edges[0]] : edges;
}

/** One bin per distinct value of ascending `sorted`, the exact min and max included: [v1, …, vk, vk]. */
function discreteEdges(sorted: readonly number[], min: number, max: number): number[] {
  const values = [...new Set([min, ...sorted, max])].sort((a, b) => a - b);
  return [...values, values[values.length - 1]];
}

/** Counts per inner bin of `values` on `edges` (values outside are not counted). */
function binCounts(edges: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(Math.max(edges.length - 1, 0)).fill(0);
  for (const value of values) {
    const bin = numericBin(edges, value);
    if (bin >= 1 && bin <= counts.length) counts[bin - 1]++;
  }
  return counts;
}

class NumericAccumulator {
  private count = 0;
  private missing = 0;
  private mean = 0;
  private m2 = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private readonly reservoir: number[] = [];

  constructor(
    readonly name: string,
    private readonly random: Random,
    private readonly discreteValues: number,
  ) {}

  add(value: unknown): void {
    const x = isMissing(value) ? undefined : parseNumber(value);
    if (x === undefined) {
      this.missing++;
      return;
    }
    this.count++;
    const delta = x - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (x - this.mean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    // Algorithm R: after n values each one is in the reservoir with probability size / n.
    if (this.reservoir.length < RESERVOIR_SIZE) this.reservoir.push(x);
    else {
      const slot = Math.floor(this.random() * this.count);
      if (slot < RESERVOIR_SIZE) this.reservoir[slot] = x;
    }
  }

  finish(): FeatureProfile {
    const { name, count, missing } = this;
    if (count === 0) {
      return { name, type: 'numeric', count, missing, min: 0, max: 0, mean: 0, std: 0, quantiles: {}, edges: [], counts: [] };
    }
    const sorted = [...this.reservoir].sort((a, b) => a - b);
    const discrete = new Set(sorted).size <= this.discreteValues;
    // Exact min and max, even when the sample missed them.
    const edges = discrete ? discreteEdges(sorted, this.min, this.max) : quantileEdges(sorted, BIN_COUNT);
    edges[0] = this.min;
    edges[edges.length - 1] = this.max;
    const counts = scaleCounts(binCounts(edges, sorted), count);
    const quantiles = Object.fromEntries(QUANTILES.map(([key, q]) => [key, quantile(sorted, q)]));
    return { name, type: 'numeric', count, missing, min: this.min, max: this.max, mean: this.mean, std: Math.sqrt(this.m2 / count), quantiles, edges, counts };
  }
}

class CategoryAccumulator {
  private count = 0;
  private missing = 0;
  private untracked = 0;
  private readonly counts = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly type: 'categorical' | 'boolean',
  ) {}

  add(value: unknown): void {
    const category = categoryOfValue(this.type, value);
    if (category === undefined) {
      this.missing++;
      return;
    }
    this.count++;
    const seen = this.counts.get(category);
    if (seen !== undefined) this.counts.set(category, seen + 1);
    else if (this.counts.size < TRACKED_CATEGORIES) this.counts.set(category, 1);
    else this.untracked++;
  }

  finish(): FeatureProfile {
    const ranked = [...this.counts].sort(([a, ca], [b, cb]) => cb - ca || compareText(a, b));
    const top = ranked.slice(0, TOP_CATEGORIES).sort(([a], [b]) => compareText(a, b));
    const other = ranked.slice(TOP_CATEGORIES).reduce((sum, [, n]) => sum + n, this.untracked);
    return { name: this.name, type: this.type, count: this.count, missing: this.missing, frequencies: Object.fromEntries(top), other };
  }
}

/** Sorted once per profile object: binValue runs for every feature of every logged row. */
const sortedCategories = new WeakMap<object, string[]>();

function categoriesOf(profile: Extract<FeatureProfile, { frequencies: unknown }>): string[] {
  let categories = sortedCategories.get(profile);
  if (!categories) sortedCategories.set(profile, (categories = Object.keys(profile.frequencies).sort(compareText)));
  return categories;
}

function categoryOfValue(type: 'categorical' | 'boolean', value: unknown): string | undefined {
  if (isMissing(value)) return undefined;
  if (type === 'boolean') {
    const parsed = parseBoolean(value);
    return parsed === undefined ? undefined : String(parsed);
  }
  return parseCategory(value);
}

/** Scales sample counts to `total` rows, rounding so they still sum to `total` exactly. */
function scaleCounts(sampleCounts: number[], total: number): number[] {
  const sampled = sampleCounts.reduce((sum, n) => sum + n, 0);
  if (sampled === total || sampled === 0) return sampleCounts;
  const exact = sampleCounts.map((n) => (n * total) / sampled);
  const counts = exact.map(Math.floor);
  let remainder = total - counts.reduce((sum, n) => sum + n, 0);
  const byFraction = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of byFraction) {
    if (remainder-- <= 0) break;
    counts[i]++;
  }
  return counts;
}
