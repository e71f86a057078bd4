import type { DataSource } from 'typeorm';
import type { Deployment } from '../deployments/deployment.entity';
import type { DeploymentService } from '../deployments/deployment.service';
import type { ExperimentService } from '../experiments/experiment.service';
import type { Model } from '../experiments/model.entity';
import { isScalar, kindOf, parseCategory, parseNumber, showValue } from '../ml/values';
import type { ReferenceProfile } from '../ml/types';
import { badInput, DomainError } from '../platform/errors';
import { DEFAULT_DRIFT_THRESHOLDS, featuresDrift, predictionBinCount, predictionDrift, type DatasetDrift, type DriftThresholds, type FeatureDrift, type PredictionDrift } from './drift/report';
import { binCount } from '../ml/profile';
import { aggregateRows } from './log/rollups';
import { classificationPerformance, comparisonFromSums, emptyPairSums, histogramQuantile, LATENCY_EDGES_MS, regressionPerformance, type PairComparison } from './statistics';

/** A time range of aggregates: whole hours, `from` inclusive, `to` exclusive. */
export interface Range {
  from: Date;
  to: Date;
}

export interface DriftReport extends DatasetDrift, Range {
  thresholds: DriftThresholds;
  features: FeatureDrift[];
  predictions: Array<PredictionDrift & { role: string; modelId: string }>;
}

export interface TrafficPoint {
  time: Date;
  role: string;
  requests: number;
  rows: number;
  errors: number;
  shed: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

/** One feature in one hour or day, judged by the same rule as the whole range (Holm over that point's features). */
export interface DriftPoint {
  time: Date;
  feature: string;
  rows: number;
  jensenShannon: number | null;
  wasserstein: number | null;
  /** The feature's p-value after the correction, compared with the significance level. */
  adjustedPValue: number | null;
  drifted: boolean;
  missingChanged: boolean;
  reason: string;
}

export interface PerformancePoint {
  time: Date;
  role: string;
  /** Rows with ground truth. */
  rows: number;
  accuracy: number | null;
  macroF1: number | null;
  rmse: number | null;
  mae: number | null;
}

export interface Comparison extends PairComparison {
  challengerModelId: string | null;
  challengerShed: number;
  challengerFailed: number;
  mainLatencyP50Ms: number | null;
  challengerLatencyP50Ms: number | null;
}

type Series = Map<string, number[]>;

/** The width of a time series' points: an hour, or a UTC day. */
export type Step = 'hour' | 'day';

/** Ranges up to this long get hourly points by default; longer ones daily points. */
export const HOURLY_STEP_MAX_MS = 2 * 86_400_000;

/** The default width of a range's points: hourly up to two days, daily beyond. */
export function stepFor(range: Range): Step {
  return range.to.getTime() - range.from.getTime() <= HOURLY_STEP_MAX_MS ? 'hour' : 'day';
}

/**
 * What the monitoring charts read: drift, traffic, latency and main vs challenger, always
 * from the aggregates, so a chart costs the same at ten predictions or a billion: a range's
 * whole UTC days from the daily rollups, its partial days at the edges from the hourly rows
 * (see rollups.ts), which sum to exactly what the hourly rows alone would.
 */
export class MonitoringService {
  constructor(
    private readonly db: DataSource,
    private readonly deployments: DeploymentService,
    private readonly experiments: ExperimentService,
  ) {}

  /** The given range, rounded out to whole hours; by default since the current version was switched in. */
  async range(deployment: Deployment, from?: Date | null, to?: Date | null): Promise<Range> {
    let start = from ?? null;
    if (!start) {
      const [event] = await this.deployments.events(deployment.id);
      start = event?.createdAt ?? deployment.createdAt;
    }
    const end = to ?? new Date();
    if (start >= end) throw badInput('from', 'must be before to');
    const hour = (d: Date, up: boolean) => {
      const h = new Date(d);
      h.setUTCMinutes(0, 0, 0);
      return up && h.getTime() < d.getTime() ? new Date(h.getTime() + 3_600_000) : h;
    };
    return { from: hour(start, false), to: hour(end, true) };
  }

  thresholds(deployment: Deployment): DriftThresholds {
    return { ...DEFAULT_DRIFT_THRESHOLDS, ...deployment.driftThresholds };
  }

  /** Input drift of the main model against its version's training profile, and prediction drift of main and challenger. */
  async drift(deployment: Deployment, range: Range): Promise<DriftReport> {
    const thresholds = this.thresholds(deployment);
    const { main, challenger } = await this.currentModels(deployment);
    const profile = await this.profileOf(main);
    const series = await this.bins(deployment.id, 'main', main.id, range);
    const dataset = featuresDrift(profile?.features ?? [], (f) => fit(series.get(`feature:${f.name}`), binCount(f)), thresholds);
    const predictions: DriftReport['predictions'] = [];
    for (const [role, model] of [['main', main], ['challenger', challenger]] as const) {
      if (!model?.holdoutDistribution) continue;
      const counts = role === 'main' ? series : await this.bins(deployment.id, role, model.id, range);
      const current = fit(counts.get('prediction'), predictionBinCount(model.holdoutDistribution));
      predictions.push({ role, modelId: model.id, ...predictionDrift(model.holdoutDistribution, current, thresholds) });
    }
    return { ...range, thresholds, predictions, ...dataset };
  }

  /** Each feature's scores and verdict per day (or hour), for the drift-over-time chart: the rule of `drift`, applied to each point. */
  async driftOverTime(deployment: Deployment, range: Range, granularity: 'day' | 'hour'): Promise<DriftPoint[]> {
    const thresholds = this.thresholds(deployment);
    const { main } = await this.currentModels(deployment);
    const profile = await this.profileOf(main);
    const source = aggregateRows('aggregate_bins', 'series, bin, count', `deployment_id = $1 AND role = 'main' AND model_id = $2 AND series LIKE 'feature:%'`, range, [deployment.id, main.id], {
      hourly: granularity === 'hour',
    });
    const rows: Array<{ bucket: Date; series: string; bin: number; count: string }> = await this.db.query(
      `SELECT ${granularity === 'hour' ? 'time' : `date_trunc('day', time, 'UTC')`} AS bucket, series, bin, sum(count) AS count FROM ${source.sql} s
        GROUP BY bucket, series, bin ORDER BY bucket`,
      source.parameters,
    );
    const buckets = new Map<number, Series>();
    for (const row of rows) {
      const key = new Date(row.bucket).getTime();
      const series = buckets.get(key) ?? new Map();
      put(series, row.series, row.bin, Number(row.count));
      buckets.set(key, series);
    }
    const points: DriftPoint[] = [];
    for (const [time, series] of buckets) {
      const { features } = featuresDrift(profile?.features ?? [], (f) => fit(series.get(`feature:${f.name}`), binCount(f)), thresholds);
      for (const drift of features) {
        points.push({
          time: new Date(time),
          feature: drift.feature,
          rows: drift.rows,
          jensenShannon: drift.jensenShannon ?? null,
          wasserstein: drift.wasserstein ?? null,
          adjustedPValue: drift.adjustedPValue ?? null,
          drifted: drift.drifted,
          missingChanged: drift.missing?.changed ?? false,
          reason: drift.reason,
        });
      }
    }
    return points;
  }

  /**
   * Requests, rows, errors, shed rows and latency percentiles per role and hour, or per role and
   * UTC day (a point's time is then its midnight, the first and last days counting only their
   * hours in the range); by default hourly up to two days, daily beyond (`stepFor`).
   */
  async traffic(deployment: Deployment, range: Range, step: Step = stepFor(range)): Promise<TrafficPoint[]> {
    const hourly = step === 'hour';
    const bucket = hourly ? 'time' : `date_trunc('day', time, 'UTC')`;
    const countRows = aggregateRows('aggregate_counts', 'role, requests, rows, errors, shed', 'deployment_id = $1', range, [deployment.id], { hourly });
    const counts: Array<{ hour: Date; role: string; requests: string; rows: string; errors: string; shed: string }> = await this.db.query(
      `SELECT ${bucket} AS hour, role, sum(requests) AS requests, sum(rows) AS rows, sum(errors) AS errors, sum(shed) AS shed FROM ${countRows.sql} s
        GROUP BY 1, role ORDER BY 1, role`,
      countRows.parameters,
    );
    const latencyRows = aggregateRows('aggregate_bins', 'role, bin, count', `deployment_id = $1 AND series = 'latency'`, range, [deployment.id], { hourly });
    const latency: Array<{ hour: Date; role: string; bin: number; count: string }> = await this.db.query(
      `SELECT ${bucket} AS hour, role, bin, sum(count) AS count FROM ${latencyRows.sql} s GROUP BY 1, role, bin`,
      latencyRows.parameters,
    );
    const histograms = new Map<string, number[]>();
    for (const row of latency) {
      const key = `${new Date(row.hour).toISOString()}|${row.role}`;
      const counts = histograms.get(key) ?? zeros(LATENCY_EDGES_MS.length + 1);
      counts[row.bin] += Number(row.count);
      histograms.set(key, counts);
    }
    return counts.map((row) => {
      const histogram = histograms.get(`${new Date(row.hour).toISOString()}|${row.role}`) ?? [];
      return {
        time: new Date(row.hour),
        role: row.role,
        requests: Number(row.requests),
        rows: Number(row.rows),
        errors: Number(row.errors),
        shed: Number(row.shed),
        latencyP50Ms: histogramQuantile(histogram, LATENCY_EDGES_MS, 0.5),
        latencyP95Ms: histogramQuantile(histogram, LATENCY_EDGES_MS, 0.95),
      };
    });
  }

  /** Main vs challenger over the range: agreement on the same requests, latency, shed and failed rows. */
  async comparison(deployment: Deployment, range: Range): Promise<Comparison> {
    const { challenger } = await this.currentModels(deployment);
    const pairRows = aggregateRows('aggregate_pairs', 'pairs, agreements, sum_abs_diff, sum_x, sum_y, sum_xy, sum_xx, sum_yy', 'deployment_id = $1', range, [deployment.id]);
    const [sums] = await this.db.query(
      `SELECT coalesce(sum(pairs), 0) AS pairs, coalesce(sum(agreements), 0) AS agreements, coalesce(sum(sum_abs_diff), 0) AS "sumAbsDiff",
              coalesce(sum(sum_x), 0) AS "sumX", coalesce(sum(sum_y), 0) AS "sumY", coalesce(sum(sum_xy), 0) AS "sumXY",
              coalesce(sum(sum_xx), 0) AS "sumXX", coalesce(sum(sum_yy), 0) AS "sumYY"
         FROM ${pairRows.sql} s`,
      pairRows.parameters,
    );
    const pairSums = { ...emptyPairSums(), ...Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, Number(v)])) };
    const experiment = await this.experiments.get(deployment.experimentId);
    const challengerRows = aggregateRows('aggregate_counts', 'shed, errors', `deployment_id = $1 AND role = 'challenger'`, range, [deployment.id]);
    const [challengerCounts] = await this.db.query(
      `SELECT coalesce(sum(shed), 0)::bigint AS shed, coalesce(sum(errors), 0)::bigint AS errors FROM ${challengerRows.sql} s`,
      challengerRows.parameters,
    );
    const latencies = await this.latencyHistogram(deployment.id, range);
    return {
      ...comparisonFromSums(pairSums, experiment.task === 'regression' ? 'regression' : 'classification'),
      challengerModelId: challenger?.id ?? null,
      challengerShed: Number(challengerCounts.shed),
      challengerFailed: Number(challengerCounts.errors),
      mainLatencyP50Ms: histogramQuantile(latencies.get('main') ?? [], LATENCY_EDGES_MS, 0.5),
      challengerLatencyP50Ms: histogramQuantile(latencies.get('challenger') ?? [], LATENCY_EDGES_MS, 0.5),
    };
  }

  /**
   * Stores ground truth for predictions of this deployment: `row` is the row's index in its
   * request (0 for single-row requests). Unknown request ids are refused, naming each one.
   */
  async recordFeedback(deployment: Deployment, items: Array<{ requestId: string; row?: number; actual: unknown }>): Promise<number> {
    const details: Array<{ row: number; field: string; message: string }> = [];
    const truth = await this.truthReader(deployment);
    /** The true values as stored: a number (regression) or a label (classification). */
    const actuals: Array<string | number> = [];
    items.forEach((item, index) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) details.push({ row: index, field: '', message: 'expected an object {"requestId", "row", "actual"}' });
      else if (typeof item.requestId !== 'string' || !/^[0-9a-f-]{36}$/i.test(item.requestId)) details.push({ row: index, field: 'requestId', message: 'expected the requestId of a prediction response' });
      else if (item.row !== undefined && !(Number.isInteger(item.row) && item.row >= 0)) details.push({ row: index, field: 'row', message: 'expected the 0-based index of the row in its request' });
      else if (item.actual === undefined || item.actual === null) details.push({ row: index, field: 'actual', message: 'expected the true value' });
      else {
        const actual = truth(item.actual);
        if (typeof actual === 'string' || typeof actual === 'number') actuals[index] = actual;
        else details.push({ row: index, field: 'actual', message: actual.problem });
      }
    });
    if (details.length === 0) {
      const known: Array<{ request_id: string; row_index: number }> = await this.db.query(
        `SELECT DISTINCT request_id, row_index FROM predictions WHERE deployment_id = $1 AND request_id = ANY($2::uuid[])`,
        [deployment.id, items.map((i) => i.requestId)],
      );
      const keys = new Set(known.map((k) => `${k.request_id}|${k.row_index}`));
      items.forEach((item, index) => {
        if (!keys.has(`${item.requestId}|${item.row ?? 0}`)) details.push({ row: index, field: 'requestId', message: `no prediction of ${deployment.slug} has request ${item.requestId} row ${item.row ?? 0}` });
      });
    }
    if (details.length > 0) throw new DomainError('BAD_USER_INPUT', `${details.length} of ${items.length} feedback items are invalid; see details`, { details });
    const values = items.flatMap((item, index) => [deployment.id, item.requestId, item.row ?? 0, JSON.stringify(actuals[index])]);
    await this.db.query(
      `INSERT INTO prediction_feedback (deployment_id, request_id, row_index, actual) VALUES ${items.map((_, i) => `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4})`).join(', ')}
       ON CONFLICT (request_id, row_index) DO UPDATE SET actual = EXCLUDED.actual, received_at = now()`,
      values,
    );
    return items.length;
  }

  /**
   * Reads a true value against the deployment's target: a finite number (or decimal text) for
   * regression, one of the labels any version of the experiment was trained on for
   * classification; anything else, structures included, is a problem to report.
   */
  private async truthReader(deployment: Deployment): Promise<(value: unknown) => string | number | { problem: string }> {
    const experiment = await this.experiments.get(deployment.experimentId);
    const target = experiment.targetColumn;
    const structure = (value: unknown) => ({ problem: `expected the true value of ${target}, a number or a label, not ${kindOf(value)}` });
    if (experiment.task === 'regression') {
      return (value) => {
        if (!isScalar(value)) return structure(value);
        return parseNumber(value) ?? { problem: `${target} is a number (regression); got ${showValue(value)}` };
      };
    }
    const rows: Array<{ label: string }> = await this.db.query(
      `SELECT DISTINCT jsonb_array_elements_text(labels) AS label FROM experiment_versions WHERE experiment_id = $1 AND jsonb_typeof(labels) = 'array' ORDER BY label`,
      [experiment.id],
    );
    const labels = new Set(rows.map((r) => r.label));
    const list = [...labels].slice(0, 20).join(', ');
    return (value) => {
      if (!isScalar(value)) return structure(value);
      const label = parseCategory(value);
      return label !== undefined && labels.has(label) ? label : { problem: `${showValue(value)} is not a label of ${target} (${list})` };
    };
  }

  /** Accuracy and macro F1, or RMSE and MAE, of main and challenger per day (or hour), on rows with ground truth. */
  async performance(deployment: Deployment, range: Range, granularity: 'day' | 'hour'): Promise<PerformancePoint[]> {
    const experiment = await this.experiments.get(deployment.experimentId);
    const rows: Array<{ bucket: Date; role: string; predicted: string; actual: unknown }> = await this.db.query(
      `SELECT date_trunc('${granularity === 'day' ? 'day' : 'hour'}', p.created_at) AS bucket, p.role, p.output->>'prediction' AS predicted, f.actual
         FROM prediction_feedback f JOIN predictions p ON p.request_id = f.request_id AND p.row_index = f.row_index
        WHERE f.deployment_id = $1 AND p.created_at >= $2 AND p.created_at < $3 AND p.output IS NOT NULL
        ORDER BY bucket`,
      [deployment.id, range.from, range.to],
    );
    const groups = new Map<string, { time: Date; role: string; actual: unknown[]; predicted: string[] }>();
    for (const row of rows) {
      // Feedback stored before it was validated may hold anything: such rows are left out, never a NaN.
      if (experiment.task === 'regression' && (parseNumber(row.actual) === undefined || parseNumber(row.predicted) === undefined)) continue;
      if (experiment.task !== 'regression' && (parseCategory(row.actual) === undefined || row.predicted === null)) continue;
      const key = `${new Date(row.bucket).toISOString()}|${row.role}`;
      const group = groups.get(key) ?? { time: new Date(row.bucket), role: row.role, actual: [], predicted: [] };
      group.actual.push(row.actual);
      group.predicted.push(row.predicted);
      groups.set(key, group);
    }
    return [...groups.values()].map((g) => {
      if (experiment.task === 'regression') {
        const metrics = regressionPerformance(g.actual.map((v) => parseNumber(v)!), g.predicted.map((v) => parseNumber(v)!));
        return { time: g.time, role: g.role, rows: g.actual.length, rmse: metrics?.rmse ?? null, mae: metrics?.mae ?? null, accuracy: null, macroF1: null };
      }
      const metrics = classificationPerformance(g.actual.map((v) => parseCategory(v)!), g.predicted);
      return { time: g.time, role: g.role, rows: g.actual.length, accuracy: metrics?.accuracy ?? null, macroF1: metrics?.macroF1 ?? null, rmse: null, mae: null };
    });
  }

  /** Stores the given thresholds (omitted ones keep their value); see `DriftThresholds` for each one's meaning and default. */
  async setThresholds(deployment: Deployment, thresholds: Partial<DriftThresholds>): Promise<DriftThresholds> {
    for (const [name, value] of Object.entries(thresholds)) {
      if (value === undefined || value === null) continue;
      if (name === 'significance') {
        // 0 would never flag anything and 1 always: both make the verdict meaningless.
        if (!(typeof value === 'number' && value > 0 && value < 0.5)) throw badInput(name, 'must be a probability above 0 and below 0.5, e.g. 0.05 or 0.01');
        continue;
      }
      const max = name === 'minRows' ? 1_000_000_000 : 1;
      if (!(typeof value === 'number' && value >= 0 && value <= max)) throw badInput(name, `must be a number from 0 to ${max}`);
    }
    const merged = { ...deployment.driftThresholds, ...Object.fromEntries(Object.entries(thresholds).filter(([, v]) => v !== undefined && v !== null)) };
    await this.db.query('UPDATE deployments SET drift_thresholds = $2 WHERE id = $1', [deployment.id, JSON.stringify(merged)]);
    deployment.driftThresholds = merged;
    return this.thresholds(deployment);
  }

  /**
   * Drops whole daily partitions of the prediction log older than `logDays` (cheap, unlike
   * deleting rows), and aggregate rows, hourly and daily, of the UTC days before the one
   * `aggregateDays` ago (whole days, so a day's rollup and its hours go together and a range
   * reads the same from either). Returns the partitions dropped.
   */
  async applyRetention(now: Date, logDays: number, aggregateDays: number): Promise<string[]> {
    const cutoff = new Date(now.getTime() - logDays * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    const partitions: Array<{ name: string }> = await this.db.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'predictions'`,
    );
    const dropped = partitions.map((p) => p.name).filter((name) => /^predictions_\d{8}$/.test(name) && name.slice(-8) < cutoff);
    for (const name of dropped) await this.db.query(`DROP TABLE IF EXISTS "${name}"`);
    const aggregateCutoff = new Date(now.getTime() - aggregateDays * 86_400_000);
    const dayCutoff = new Date(`${aggregateCutoff.toISOString().slice(0, 10)}T00:00:00.000Z`);
    for (const table of ['aggregate_counts', 'aggregate_bins', 'aggregate_pairs']) {
      await this.db.query(`DELETE FROM ${table} WHERE hour < $1`, [dayCutoff]);
      await this.db.query(`DELETE FROM ${table}_daily WHERE day < $1`, [dayCutoff]);
    }
    await this.db.query('DELETE FROM usage_minutes WHERE minute < $1', [aggregateCutoff]);
    return dropped;
  }

  private async latencyHistogram(deploymentId: string, range: Range): Promise<Map<string, number[]>> {
    const source = aggregateRows('aggregate_bins', 'role, bin, count', `deployment_id = $1 AND series = 'latency'`, range, [deploymentId]);
    const rows: Array<{ role: string; bin: number; count: string }> = await this.db.query(`SELECT role, bin, sum(count) AS count FROM ${source.sql} s GROUP BY role, bin`, source.parameters);
    const result = new Map<string, number[]>();
    for (const row of rows) put(result, row.role, row.bin, Number(row.count), LATENCY_EDGES_MS.length + 1);
    return result;
  }

  private async currentModels(deployment: Deployment): Promise<{ main: Model; challenger: Model | null }> {
    const version = await this.deployments.currentVersion(deployment);
    if (!version) throw badInput('deploymentId', `deployment ${deployment.slug} has no version yet`);
    return {
      main: await this.experiments.model(version.mainModelId),
      challenger: version.challengerModelId ? await this.experiments.model(version.challengerModelId) : null,
    };
  }

  private async profileOf(model: Model): Promise<ReferenceProfile | null> {
    return (await this.experiments.version(model.versionId)).profile;
  }

  /** Live counts per series (feature:…, prediction, latency) of one model over the range. */
  private async bins(deploymentId: string, role: string, modelId: string, range: Range): Promise<Series> {
    const source = aggregateRows('aggregate_bins', 'series, bin, count', 'deployment_id = $1 AND role = $2 AND model_id = $3', range, [deploymentId, role, modelId]);
    const rows: Array<{ series: string; bin: number; count: string }> = await this.db.query(`SELECT series, bin, sum(count) AS count FROM ${source.sql} s GROUP BY series, bin`, source.parameters);
    const series: Series = new Map();
    for (const row of rows) put(series, row.series, row.bin, Number(row.count));
    return series;
  }
}

const zeros = (n: number) => new Array<number>(n).fill(0);

function put(series: Map<string, number[]>, name: string, bin: number, count: number, length = 0): void {
  const counts = series.get(name) ?? zeros(length);
  while (counts.length <= bin) counts.push(0);
  counts[bin] += count;
  series.set(name, counts);
}

/** Counts padded to the layout's length (bins with no live row never reach the aggregates). */
function fit(counts: number[] | undefined, length: number): number[] {
  const result = zeros(length);
  (counts ?? []).forEach((c, i) => {
    if (i < length) result[i] = c;
  });
  return result;
}
