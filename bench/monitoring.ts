import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Berth } from '../server/berth';
import { vegaRecords } from '../server/demo/vega-datasets';
import { ValidationMode, type Deployment } from '../server/deployments/deployment.entity';
import type { Prediction, Row } from '../server/ml/types';
import type { Range } from '../server/monitoring/monitoring.service';
import type { PredictionRecord } from '../server/monitoring/log/prediction-log';
import { aggregateRows } from '../server/monitoring/log/rollups';
import type { ServedModel, ServingSet } from '../server/serving/deployment-registry';
import { seededRandom } from '../server/ml/random';
import { codeVersion, CONTENDED_CORES, deployPenguins, gaussian, positiveSetting, runBench, startBenchBerth, step, withCores, type Cores, type Resources } from './support';

/**
 * The monitoring read path and the prediction-log writer at two volumes: `npm run bench:monitoring`.
 * A benchmark, not a test: it prints figures and ratios and writes them to bench/results/; it
 * asserts nothing.
 *
 * Predictions go through the real log writer (`predictionLog.record`, which also folds them into
 * the hourly aggregates and their daily rollups), spread over the last BENCH_DAYS days, until the log holds
 * BENCH_ROWS_SMALL rows; the console's read queries are timed; then more rows are written until
 * it holds BENCH_ROWS_LARGE, and the same queries are timed again. Reads come from aggregates
 * only, so their cost should not grow with volume: the ratio large/small should stay ≤ 1.5.
 *
 * BENCH_ROWS_SMALL (10000) and BENCH_ROWS_LARGE (1000000): rows of the prediction log (main and
 * challenger rows both count: each predicted row is logged twice); BENCH_BATCH_ROWS (5000) per
 * record() call; BENCH_REPETITIONS (15) timed runs of each query (after 2 untimed), median
 * reported; BENCH_DAYS (30); BENCH_KEEP_DATABASE=1 leaves the scratch database in place (its
 * URL is printed) to EXPLAIN queries by hand.
 */

const RATIO_GOAL = 1.5;
const WARMUP_RUNS = 2;
const DAY_MS = 86_400_000;

interface Settings {
  rowsSmall: number;
  rowsLarge: number;
  batchRows: number;
  repetitions: number;
  days: number;
}

type QueryName = 'drift' | 'traffic' | 'driftOverTime' | 'comparison';
const QUERIES: QueryName[] = ['drift', 'traffic', 'driftOverTime', 'comparison'];
const QUERY_LABELS: Record<QueryName, string> = {
  drift: 'drift(range)',
  traffic: "traffic(range, 'day')",
  driftOverTime: "driftOverTime(range, 'day')",
  comparison: 'comparison(range)',
};

interface WritePhase {
  /** Rows of the prediction log written in this phase (main + challenger). */
  rows: number;
  requests: number;
  seconds: number;
  /** Log rows per wall second, record() to the end of the last flush, aggregates included. */
  rowsPerSecond: number;
  /** Of the wall time, spent building the records in this process (not the writer's work). */
  generationSeconds: number;
  /** Log rows per second of the wall time left after generation. */
  rowsPerWriterSecond: number;
  writerStats: { written: number; failedFlushes: number; lost: number };
  cores: Cores;
}

interface QueryTiming {
  medianMs: number;
  minMs: number;
  maxMs: number;
  p90Ms: number;
  runsMs: number[];
  /** What the query returned, to show it read the same thing at both volumes. */
  result: string;
}

const AGGREGATE_TABLES = ['aggregate_counts', 'aggregate_bins', 'aggregate_pairs', 'aggregate_counts_daily', 'aggregate_bins_daily', 'aggregate_pairs_daily'] as const;
type AggregateTableName = (typeof AGGREGATE_TABLES)[number];

type TableSizes = { predictions: { partitions: number; bytes: number; rows: number } } & Record<AggregateTableName, { bytes: number; rows: number; deadRows: number }>;

interface VolumeResult {
  logRows: number;
  write: WritePhase;
  tables: TableSizes;
  queries: Record<QueryName, QueryTiming>;
  /** EXPLAIN ANALYZE of the read path's main statements at this volume. */
  plans: Record<string, string>;
  readCores: Cores;
}

function readSettings(): Settings {
  const positive = positiveSetting;
  const settings = {
    rowsSmall: positive('BENCH_ROWS_SMALL', 10_000),
    rowsLarge: positive('BENCH_ROWS_LARGE', 1_000_000),
    batchRows: positive('BENCH_BATCH_ROWS', 5_000),
    repetitions: positive('BENCH_REPETITIONS', 15),
    days: positive('BENCH_DAYS', 30),
  };
  if (settings.rowsLarge <= settings.rowsSmall) throw new Error(`BENCH_ROWS_LARGE (${settings.rowsLarge}) must be more than BENCH_ROWS_SMALL (${settings.rowsSmall})`);
  return settings;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}
const median = (values: number[]) => quantile(values, 0.5);

/** Real predictions of `served` for `rows`, through its own preprocessing spec and micro-batcher (what serving does). */
async function predictWith(served: ServedModel, rows: Row[]): Promise<Prediction[]> {
  const own = served.spec.features.map((f) => f.name);
  const mine = rows.map((row) => Object.fromEntries(own.map((name) => [name, (row as Record<string, unknown>)[name]])));
  const encoded = served.codec.encode(mine, { mode: ValidationMode.best_effort });
  if (encoded.rejected.length > 0) throw new Error(`${encoded.rejected.length} bench rows were rejected: ${JSON.stringify(encoded.issues.slice(0, 3))}`);
  return served.codec.decode(await served.batcher.predict(encoded.batch), encoded.batch.rows);
}

/** One input row and what main and challenger answered for it. */
interface PooledRow {
  input: Record<string, unknown>;
  main: Prediction;
  challenger: Prediction;
}

/**
 * Rows to cycle through: the real penguins with measurement noise ("usual"), and the same penguins
 * heavier, with longer flippers and more of them on Biscoe ("shifted"), which the last days
 * of the window drift towards, so drift and drift over time have something to find.
 */
async function rowPools(set: ServingSet, features: string[], rand: () => number): Promise<{ usual: PooledRow[]; shifted: PooledRow[] }> {
  // Every record, missing values included, each twice with its own noise: the live mix of the training data.
  const records = vegaRecords('penguins').filter((r) => r.Species !== null && r.Species !== undefined);
  const numeric = new Set(set.main.spec.features.filter((f) => f.type === 'numeric').map((f) => f.name));
  const make = (shifted: boolean): Record<string, unknown>[] =>
    [...records, ...records].map((source) => {
      const row: Record<string, unknown> = {};
      for (const name of features) {
        const value = source[name];
        if (numeric.has(name) && typeof value === 'number') {
          let noisy = value * (1 + 0.01 * gaussian(rand));
          if (shifted && name === 'Body Mass (g)') noisy *= 1.18;
          if (shifted && name === 'Flipper Length (mm)') noisy *= 1.06;
          row[name] = Math.round(noisy * 10) / 10;
        } else if (shifted && name === 'Island' && rand() < 0.5) {
          row[name] = 'Biscoe';
        } else {
          row[name] = value;
        }
      }
      return row;
    });
  const pool = async (inputs: Record<string, unknown>[]): Promise<PooledRow[]> => {
    const main = await predictWith(set.main, inputs);
    const challenger = await predictWith(set.challenger!, inputs);
    return inputs.map((input, i) => ({ input, main: main[i], challenger: challenger[i] }));
  };
  return { usual: await pool(make(false)), shifted: await pool(make(true)) };
}

/**
 * Prediction-log records of `logRows` rows (main + challenger), in time order over
 * [from, to): requests of 1 row mostly, some of up to 10; the challenger's rows follow the
 * main's under the same request id, as the predict path logs them; 0.2 % of challenger rows failed.
 */
function* requestStream(set: ServingSet, pools: { usual: PooledRow[]; shifted: PooledRow[] }, logRows: number, from: number, to: number, rand: () => number): Generator<PredictionRecord[]> {
  const span = to - from;
  const driftStarts = to - span / 3;
  let written = 0;
  let position = 0;
  while (written < logRows) {
    const size = Math.min(rand() < 0.7 ? 1 : 2 + Math.floor(rand() * 9), Math.floor((logRows - written) / 2) || 1);
    const mainOnly = logRows - written === 1;
    // Evenly spaced, jittered within the slot: times increase, the whole window is covered.
    const at = from + ((position + rand() * size) / (logRows / 2)) * span;
    position += size;
    const createdAt = new Date(Math.min(at, to - 1));
    const shiftedShare = at < driftStarts ? 0 : (0.7 * (at - driftStarts)) / (to - driftStarts);
    const rows = Array.from({ length: size }, () => {
      const pool = rand() < shiftedShare ? pools.shifted : pools.usual;
      return pool[Math.floor(rand() * pool.length)];
    });
    const requestId = randomUUID();
    const mainLatency = Math.exp(Math.log(1.2) + 0.5 * gaussian(rand)) * (1 + 0.15 * size);
    const records: PredictionRecord[] = rows.map((row, rowIndex) => ({
      deploymentId: set.deployment.id,
      deploymentVersion: set.version.number,
      modelId: set.main.model.id,
      role: 'main',
      requestId,
      rowIndex,
      input: row.input,
      output: row.main,
      latencyMs: mainLatency,
      source: 'api',
      createdAt,
      binning: set.main.binning,
    }));
    if (!mainOnly) {
      const challengerLatency = mainLatency * (1.1 + 0.3 * rand());
      const failed = rand() < 0.002;
      const challengerAt = new Date(Math.min(createdAt.getTime() + Math.ceil(challengerLatency), to - 1));
      rows.forEach((row, rowIndex) =>
        records.push({
          deploymentId: set.deployment.id,
          deploymentVersion: set.version.number,
          modelId: set.challenger!.model.id,
          role: 'challenger',
          requestId,
          rowIndex,
          input: row.input,
          output: failed ? null : row.challenger,
          ...(failed ? { error: 'bench: a simulated challenger failure' } : {}),
          latencyMs: challengerLatency,
          source: 'api',
          createdAt: challengerAt,
          binning: set.challenger!.binning,
          mainOutput: row.main,
        }),
      );
    }
    written += records.length;
    yield records;
  }
}

async function tableSizes(berth: Berth): Promise<TableSizes> {
  const db = berth.services.db;
  const [log] = await db.query(
    `SELECT count(*)::int AS partitions, coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'predictions'`,
  );
  const [{ rows }] = await db.query('SELECT count(*)::int AS rows FROM predictions');
  const aggregate = async (table: string) => {
    const [size] = await db.query(
      `SELECT pg_total_relation_size($1::regclass)::bigint AS bytes, (SELECT count(*) FROM ${table})::int AS rows,
              coalesce((SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = $1::regclass), 0)::int AS "deadRows"`,
      [table],
    );
    return { bytes: Number(size.bytes), rows: size.rows as number, deadRows: size.deadRows as number };
  };
  const sizes = { predictions: { partitions: log.partitions, bytes: Number(log.bytes), rows } } as TableSizes;
  for (const table of AGGREGATE_TABLES) sizes[table] = await aggregate(table);
  return sizes;
}

/** EXPLAIN ANALYZE of the statements the read path sends to the aggregates (built as monitoring.service.ts builds them), for the report. */
async function plans(berth: Berth, deployment: Deployment, mainModelId: string, range: Range): Promise<Record<string, string>> {
  const statement = (select: string, rows: { sql: string; parameters: unknown[] }): [string, unknown[]] => [select.replace('$rows', `${rows.sql} s`), rows.parameters];
  const day = `date_trunc('day', time, 'UTC')`;
  const statements: Record<string, [string, unknown[]]> = {
    'drift: bins of the main model': statement(
      'SELECT series, bin, sum(count) AS count FROM $rows GROUP BY series, bin',
      aggregateRows('aggregate_bins', 'series, bin, count', 'deployment_id = $1 AND role = $2 AND model_id = $3', range, [deployment.id, 'main', mainModelId]),
    ),
    'traffic: latency bins per day': statement(
      `SELECT ${day} AS hour, role, bin, sum(count) AS count FROM $rows GROUP BY 1, role, bin`,
      aggregateRows('aggregate_bins', 'role, bin, count', `deployment_id = $1 AND series = 'latency'`, range, [deployment.id]),
    ),
    'traffic: counts per day': statement(
      `SELECT ${day} AS hour, role, sum(requests) AS requests, sum(rows) AS rows, sum(errors) AS errors, sum(shed) AS shed FROM $rows GROUP BY 1, role ORDER BY 1, role`,
      aggregateRows('aggregate_counts', 'role, requests, rows, errors, shed', 'deployment_id = $1', range, [deployment.id]),
    ),
    'driftOverTime: feature bins per day': statement(
      `SELECT ${day} AS bucket, series, bin, sum(count) AS count FROM $rows GROUP BY bucket, series, bin ORDER BY bucket`,
      aggregateRows('aggregate_bins', 'series, bin, count', `deployment_id = $1 AND role = 'main' AND model_id = $2 AND series LIKE 'feature:%'`, range, [deployment.id, mainModelId]),
    ),
  };
  const result: Record<string, string> = {};
  for (const [name, [sql, parameters]] of Object.entries(statements)) {
    const rows: Array<{ 'QUERY PLAN': string }> = await berth.services.db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, parameters);
    result[name] = rows.map((r) => r['QUERY PLAN']).join('\n');
  }
  return result;
}

async function main(resources: Resources): Promise<void> {
  const settings = readSettings();
  const benchStarted = performance.now();
  const keepDatabase = process.env.BENCH_KEEP_DATABASE === '1';
  let databaseUrl: string | undefined;

  try {
    const { berth, localPostgres } = await startBenchBerth(resources, { onDatabase: (url) => (databaseUrl = url) });
    const { services } = berth;
    const db = services.db;
    const { deployment, set } = await deployPenguins(berth, 'bench-monitoring');
    if (!set.main.binning.profile) throw new Error('the main model has no reference profile to bin against');

    const rand = seededRandom(20261125);
    const features = [...new Set([...set.main.spec.features, ...set.challenger.spec.features].map((f) => f.name))];
    const pools = await rowPools(set, features, rand);
    step(`row pools: ${pools.usual.length} usual + ${pools.shifted.length} shifted penguins, predicted by ${set.main.model.name} (main) and ${set.challenger.model.name} (challenger)`);

    const now = Date.now();
    const from = now - settings.days * DAY_MS;
    const range = await services.monitoring.range(deployment, new Date(from), new Date(now));
    const log = services.predictionLog;

    /** Writes `logRows` more rows through the log writer, spread over the window. */
    const write = async (logRows: number): Promise<WritePhase> => {
      const before = { ...log.stats };
      let generationMs = 0;
      let requests = 0;
      let rows = 0;
      const { cores, seconds } = await withCores(berth, localPostgres, async () => {
        const stream = requestStream(set, pools, logRows, from, now, rand);
        let done = false;
        let lastReport = performance.now();
        while (!done) {
          const generating = performance.now();
          const batch: PredictionRecord[] = [];
          while (batch.length < settings.batchRows) {
            const next = stream.next();
            if (next.done) {
              done = true;
              break;
            }
            batch.push(...next.value);
            requests++;
          }
          generationMs += performance.now() - generating;
          if (batch.length === 0) break;
          log.record(batch);
          rows += batch.length;
          await log.whenWritable();
          // Lets the writer's timer fire, so it writes while the next batch is being built.
          await new Promise((resolve) => setImmediate(resolve));
          if (performance.now() - lastReport > 15_000) {
            lastReport = performance.now();
            step(`  ${rows.toLocaleString('en')} of ${logRows.toLocaleString('en')} rows recorded, ${(log.stats.written - before.written).toLocaleString('en')} written`);
          }
        }
        await log.flush(10 * 60_000);
      });
      const written = log.stats.written - before.written;
      if (written !== rows) throw new Error(`the writer wrote ${written} rows of the ${rows} recorded`);
      const writerSeconds = seconds - generationMs / 1000;
      return {
        rows,
        requests,
        seconds,
        rowsPerSecond: rows / seconds,
        generationSeconds: generationMs / 1000,
        rowsPerWriterSecond: rows / writerSeconds,
        writerStats: { written, failedFlushes: log.stats.failedFlushes - before.failedFlushes, lost: log.stats.lost - before.lost },
        cores,
      };
    };

    /** The console's reads, interleaved, `repetitions` times each after WARMUP_RUNS untimed rounds. */
    const read = async (): Promise<{ queries: Record<QueryName, QueryTiming>; cores: Cores }> => {
      const run: Record<QueryName, () => Promise<string>> = {
        drift: async () => {
          const report = await services.monitoring.drift(deployment, range);
          const rows = report.features[0]?.rows ?? 0;
          return `${rows} main rows; JS ${report.features.map((f) => `${f.feature} ${f.jensenShannon?.toFixed(3)}`).join(', ')}; drifted: ${report.driftedFeatures.join(', ') || 'none'}; prediction JS ${report.predictions.map((p) => `${p.role} ${p.jensenShannon?.toFixed(3)}`).join(', ')}`;
        },
        traffic: async () => {
          const points = await services.monitoring.traffic(deployment, range, 'day');
          const total = (role: string) => points.filter((p) => p.role === role).reduce((sum, p) => sum + p.rows, 0);
          return `${points.length} points; rows main ${total('main')}, challenger ${total('challenger')}`;
        },
        driftOverTime: async () => {
          const points = await services.monitoring.driftOverTime(deployment, range, 'day');
          return `${points.length} points, ${new Set(points.map((p) => p.time.getTime())).size} days, ${points.filter((p) => p.drifted).length} drifted`;
        },
        comparison: async () => {
          const comparison = await services.monitoring.comparison(deployment, range);
          return `${comparison.pairs} pairs, agreement ${comparison.agreementRate?.toFixed(3)}, challenger failed ${comparison.challengerFailed}`;
        },
      };
      const runs = new Map<QueryName, number[]>(QUERIES.map((q) => [q, []]));
      const results = new Map<QueryName, string>();
      const { cores } = await withCores(berth, localPostgres, async () => {
        for (let r = 0; r < WARMUP_RUNS + settings.repetitions; r++) {
          for (const query of QUERIES) {
            const started = performance.now();
            results.set(query, await run[query]());
            if (r >= WARMUP_RUNS) runs.get(query)!.push(performance.now() - started);
          }
        }
      });
      const queries = Object.fromEntries(
        QUERIES.map((q) => {
          const ms = runs.get(q)!;
          return [q, { medianMs: median(ms), minMs: Math.min(...ms), maxMs: Math.max(...ms), p90Ms: quantile(ms, 0.9), runsMs: ms.map((v) => Math.round(v * 1000) / 1000), result: results.get(q)! }];
        }),
      ) as Record<QueryName, QueryTiming>;
      return { queries, cores };
    };

    const volumes: VolumeResult[] = [];
    let logged = 0;
    for (const target of [settings.rowsSmall, settings.rowsLarge]) {
      step(`writing ${(target - logged).toLocaleString('en')} log rows through the prediction log (to ${target.toLocaleString('en')}) over the last ${settings.days} days`);
      const phase = await write(target - logged);
      logged += phase.rows;
      step(
        `  ${phase.rows.toLocaleString('en')} rows (${phase.requests.toLocaleString('en')} requests) in ${phase.seconds.toFixed(1)} s: ${phase.rowsPerSecond.toFixed(0)} rows/s ` +
          `(${phase.rowsPerWriterSecond.toFixed(0)} rows/s without the ${phase.generationSeconds.toFixed(1)} s spent building records)`,
      );
      // The bench rewrites every hour of the window in each phase, which leaves dead versions of
      // the aggregate rows that live traffic (each hour written during that hour, then never
      // again) would not: vacuum them, as autovacuum would have over these days, and measure
      // the steady state. The dead rows found are reported.
      const tables = await tableSizes(berth);
      await db.query(`VACUUM (ANALYZE) ${AGGREGATE_TABLES.join(', ')}`);
      await db.query('ANALYZE predictions');
      step(`  tables: ${formatTables(tables)}`);
      step(`timing the read queries (${WARMUP_RUNS} untimed + ${settings.repetitions} timed runs each, interleaved)`);
      const { queries, cores } = await read();
      for (const q of QUERIES) step(`  ${QUERY_LABELS[q].padEnd(28)} median ${queries[q].medianMs.toFixed(2)} ms  (${queries[q].result})`);
      volumes.push({ logRows: logged, write: phase, tables, queries, plans: await plans(berth, deployment, set.main.model.id, range), readCores: cores });
    }

    const [small, large] = volumes;
    const rows = QUERIES.map((q) => {
      const ratio = large.queries[q].medianMs / small.queries[q].medianMs;
      return { query: q, label: QUERY_LABELS[q], smallMs: small.queries[q].medianMs, largeMs: large.queries[q].medianMs, ratio, withinGoal: ratio <= RATIO_GOAL };
    });
    const totalWrite = { rows: small.write.rows + large.write.rows, seconds: small.write.seconds + large.write.seconds };
    const machine = {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      postgres: ((await db.query('SHOW server_version')) as Array<{ server_version: string }>)[0].server_version,
      postgresLocal: localPostgres,
    };
    const report = {
      benchmark: 'monitoring',
      date: new Date().toISOString(),
      code: codeVersion(),
      machine,
      settings: { ...settings, warmupRuns: WARMUP_RUNS, ratioGoal: RATIO_GOAL, range: { from: range.from.toISOString(), to: range.to.toISOString() } },
      results: rows,
      writer: {
        rowsPerSecond: totalWrite.rows / totalWrite.seconds,
        phases: volumes.map((v) => ({ toLogRows: v.logRows, ...v.write })),
      },
      volumes,
      totalSeconds: (performance.now() - benchStarted) / 1000,
    };

    console.log('');
    console.log(formatReport(report.date, report.code, machine, settings, rows, volumes));

    const resultsDir = fileURLToPath(new URL('./results', import.meta.url));
    await mkdir(resultsDir, { recursive: true });
    const json = `${JSON.stringify(report, null, 2)}\n`;
    const file = path.join(resultsDir, `monitoring-${report.date.replace(/[:.]/g, '-')}.json`);
    await writeFile(file, json);
    await writeFile(path.join(resultsDir, 'monitoring-latest.json'), json);
    console.log(`\nwritten: ${path.relative(process.cwd(), file)} (and monitoring-latest.json)`);
  } finally {
    if (keepDatabase && databaseUrl) {
      // For EXPLAIN by hand on the data just written; drop it with DROP DATABASE when done.
      resources.shift();
      step(`cleaning up (closing Berth; BENCH_KEEP_DATABASE is set: the scratch database stays: ${databaseUrl})`);
    } else {
      step('cleaning up (closing Berth, dropping the scratch database)');
    }
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function formatTables(t: TableSizes): string {
  return [
    `predictions ${t.predictions.rows.toLocaleString('en')} rows in ${t.predictions.partitions} partitions, ${mib(t.predictions.bytes)}`,
    ...AGGREGATE_TABLES.map(
      (name) => `${name} ${t[name].rows.toLocaleString('en')} rows (${t[name].deadRows.toLocaleString('en')} dead), ${mib(t[name].bytes)}`,
    ),
  ].join('; ');
}

/** A warning naming the phases during which other processes used the machine, if any. */
function contended(volumes: VolumeResult[]): string[] {
  const phases = volumes.flatMap((v) => [
    ...(v.write.cores.other > CONTENDED_CORES ? [`writing to ${v.logRows} rows (${v.write.cores.other.toFixed(2)} cores)`] : []),
    ...(v.readCores.other > CONTENDED_CORES ? [`reading at ${v.logRows} rows (${v.readCores.other.toFixed(2)} cores)`] : []),
  ]);
  return phases.length === 0 ? [] : [`OTHER WORK ON THE MACHINE while ${phases.join(', ')}: those figures are unreliable; run again on a quiet machine`];
}

function formatReport(
  date: string,
  code: { commit: string; uncommitted: string[] } | null,
  machine: { cpus: number; cpuModel: string; node: string; postgres: string },
  settings: Settings,
  rows: Array<{ label: string; smallMs: number; largeMs: number; ratio: number; withinGoal: boolean }>,
  volumes: VolumeResult[],
): string {
  const [small, large] = volumes;
  const size = (n: number) => (n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));
  const table = (header: string[], body: string[][]) => {
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
    const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
    return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  };
  const cores = (c: Cores) => `bench ${c.bench.toFixed(2)}, postgres ${c.postgres?.toFixed(2) ?? '?'}, other ${c.other.toFixed(2)}`;
  return [
    `monitoring benchmark, ${date}: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, PostgreSQL ${machine.postgres}`,
    code ? `code: ${code.commit.slice(0, 10)}${code.uncommitted.length > 0 ? ` + uncommitted changes to ${code.uncommitted.join(', ')}` : ''}` : 'code: unknown (not a git checkout)',
    `log rows (main + challenger) over the last ${settings.days} days; median of ${settings.repetitions} runs per query (interleaved, after ${WARMUP_RUNS} untimed)`,
    '',
    ...table(
      ['query', `ms at ${size(small.logRows)}`, `ms at ${size(large.logRows)}`, 'ratio', `goal ≤ ${RATIO_GOAL}`],
      rows.map((r) => [r.label, r.smallMs.toFixed(2), r.largeMs.toFixed(2), r.ratio.toFixed(2), r.withinGoal ? 'met' : 'NOT met']),
    ),
    '',
    ...table(
      ['log writer', 'log rows', 'requests', 'seconds', 'rows/s', 'rows/s w/o generation', 'cores bench/pg/other'],
      volumes.map((v, i) => [
        i === 0 ? `0 → ${size(v.logRows)}` : `${size(volumes[i - 1].logRows)} → ${size(v.logRows)}`,
        v.write.rows.toLocaleString('en'),
        v.write.requests.toLocaleString('en'),
        v.write.seconds.toFixed(1),
        v.write.rowsPerSecond.toFixed(0),
        v.write.rowsPerWriterSecond.toFixed(0),
        [v.write.cores.bench, v.write.cores.postgres, v.write.cores.other].map((c) => (c === null ? '?' : c.toFixed(2))).join('/'),
      ]),
    ),
    'rows/s: log rows per wall second from record() to the end of the last flush, hourly aggregates and daily rollups included.',
    '',
    ...table(
      ['table', `at ${size(small.logRows)}: rows`, 'size', `at ${size(large.logRows)}: rows`, 'size', 'dead rows'],
      (['predictions', ...AGGREGATE_TABLES] as const).map((name) => [
        name === 'predictions' ? `predictions (${large.tables.predictions.partitions} partitions)` : name,
        small.tables[name].rows.toLocaleString('en'),
        mib(small.tables[name].bytes),
        large.tables[name].rows.toLocaleString('en'),
        mib(large.tables[name].bytes),
        name === 'predictions' ? '–' : large.tables[name].deadRows.toLocaleString('en'),
      ]),
    ),
    'sizes: pg_total_relation_size (heap, indexes, TOAST), predictions summed over its daily partitions; dead rows:',
    'row versions left by the upserts, found before the VACUUM (ANALYZE) run ahead of the reads.',
    '',
    `CPU while reading (cores): at ${size(small.logRows)} ${cores(small.readCores)}; at ${size(large.logRows)} ${cores(large.readCores)}`,
    ...contended(volumes),
  ].join('\n');
}

runBench(main);
