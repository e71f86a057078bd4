import { binValue } from '../../ml/profile';
import { predictionBin } from '../drift/report';
import { addPair, emptyPairSums, latencyBin, type PairSums } from '../statistics';
import type { Binning, PredictionRecord, PredictionRole } from './records';
import type { BinIncrement, CountsIncrement } from './rollups';

/** The increments of one hour's rows, as the rollups take them (rollups.ts), with the role typed. */
type BinCount = BinIncrement & { role: PredictionRole };
type Counts = CountsIncrement & { role: PredictionRole };

export const newCounts = (deploymentId: string, role: PredictionRole, modelId: string, hour: string): Counts => ({ deploymentId, role, modelId, hour, requests: 0, rows: 0, errors: 0, shed: 0, latencySum: 0 });

/** Per reference profile: its features' series names, built once rather than for every batch. */
const seriesNames = new WeakMap<object, string[]>();

function featureSeries(features: Array<{ name: string }>): string[] {
  let names = seriesNames.get(features);
  if (!names) seriesNames.set(features, (names = features.map((f) => `feature:${f.name}`)));
  return names;
}

type Histogram = Map<number, number>;

/**
 * One deployment × role × model × hour of a batch: its counts, and its histograms (latency per
 * request, each feature of its model's profile and the prediction per row). A group has one
 * model, so one binning: its feature histograms are kept by position, named at the end.
 */
interface Group {
  counts: Counts;
  binning: Binning;
  latency: Histogram;
  features: Histogram[];
  prediction: Histogram;
  requests: Set<string>;
}

function bump(histogram: Histogram, bin: number): void {
  histogram.set(bin, (histogram.get(bin) ?? 0) + 1);
}

/**
 * The aggregate increments of a batch: per deployment × role × model × hour, the counts and the
 * histograms on the model's reference bins; and main/challenger agreement sums per deployment ×
 * hour. Rows are accumulated per group, without building a key per row and series (this runs
 * for every row).
 */
/** The aggregate increments of a batch of rows: counts, feature and prediction bins, main/challenger pairs, per hour. */
export function aggregate(batch: PredictionRecord[]) {
  const groups = new Map<string, Group>();
  const pairs = new Map<string, PairSums>();
  const hours = new Map<number, string>();

  let group: Group | undefined;
  let previous: PredictionRecord | undefined;
  let previousHourMs = Number.NaN;
  let hour = '';
  for (const record of batch) {
    const ms = record.createdAt.getTime();
    const hourMs = ms - (((ms % 3_600_000) + 3_600_000) % 3_600_000);
    // Rows of one request come together: most rows reuse the group of the row before.
    if (!group || !previous || hourMs !== previousHourMs || record.modelId !== previous.modelId || record.role !== previous.role || record.deploymentId !== previous.deploymentId) {
      let known = hours.get(hourMs);
      if (known === undefined) hours.set(hourMs, (known = new Date(hourMs).toISOString()));
      hour = known;
      const key = `${record.deploymentId}|${record.role}|${record.modelId}|${hour}`;
      group = groups.get(key);
      if (!group) {
        const features = record.binning.profile?.features ?? [];
        group = { counts: newCounts(record.deploymentId, record.role, record.modelId, hour), binning: record.binning, latency: new Map(), features: features.map(() => new Map()), prediction: new Map(), requests: new Set() };
        groups.set(key, group);
      }
    }
    previous = record;
    previousHourMs = hourMs;
    const entry = group.counts;
    entry.rows++;
    if (record.error) entry.errors++;
    if (!group.requests.has(record.requestId)) {
      group.requests.add(record.requestId);
      entry.requests++;
      entry.latencySum += record.latencyMs;
      bump(group.latency, latencyBin(record.latencyMs));
    }
    const features = group.binning.profile?.features;
    if (features) {
      const input = record.input !== null && typeof record.input === 'object' && !Array.isArray(record.input) ? (record.input as Record<string, unknown>) : {};
      for (let i = 0; i < features.length; i++) bump(group.features[i]!, binValue(features[i]!, input[features[i]!.name]));
    }
    if (record.output && group.binning.predictions) bump(group.prediction, predictionBin(group.binning.predictions, record.output.prediction));
    if (record.role === 'challenger' && record.output && record.mainOutput) {
      const pairKey = `${record.deploymentId}|${hour}`;
      let sums = pairs.get(pairKey);
      if (!sums) pairs.set(pairKey, (sums = emptyPairSums()));
      addPair(sums, record.mainOutput, record.output);
    }
  }

  const counts = new Map<string, Counts>();
  const bins = new Map<string, BinCount>();
  for (const [key, { counts: entry, binning, latency, features, prediction }] of groups) {
    counts.set(key, entry);
    const names = binning.profile ? featureSeries(binning.profile.features) : [];
    const series: Array<[string, Histogram]> = [['latency', latency], ...features.map((histogram, i): [string, Histogram] => [names[i]!, histogram]), ['prediction', prediction]];
    for (const [name, histogram] of series) {
      for (const [bin, count] of histogram) {
        bins.set(`${key}|${name}|${bin}`, { deploymentId: entry.deploymentId, role: entry.role, modelId: entry.modelId, series: name, hour: entry.hour, bin, count });
      }
    }
  }
  return { counts, bins, pairs };
}

export type Aggregates = ReturnType<typeof aggregate>;
