import 'reflect-metadata';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { finished } from 'node:stream/promises';
import { findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Berth } from '../server/berth';
import { vegaRecords } from '../server/demo/vega-datasets';
import type { Dataset } from '../server/experiments/dataset.entity';
import { readCsvRows } from '../server/ml/csv';
import type { Prediction, Row } from '../server/ml/types';
import { LocalArtifactStore } from '../server/platform/artifacts';
import { csvLine } from '../server/platform/csv';
import { CsvFileWriter } from '../server/pipelines/csv-writer';
import { RunStatus, type PipelineRun } from '../server/pipelines/pipeline-run.entity';
import { PipelineSourceKind } from '../server/pipelines/pipeline.entity';
import { codecFor, configureRuntimes, runtimeFor, type ModelCodec, type ModelRuntime } from '../server/ml/runtimes';
import { seededRandom } from '../server/ml/random';
import { codeVersion, CONTENDED_CORES, deployPenguins, gaussian, positiveSetting, runBench, startBenchBerth, step, waitFor, withCores, type Cores, type PenguinsDeployment, type Resources } from './support';

/**
 * Batch prediction pipelines against raw batched inference, at two sizes and for each runtime
 * that serves Berth-trained models: `npm run bench:batch`. A benchmark, not a test: it prints
 * figures and ratios and writes them to bench/results/; it asserts nothing.
 *
 * Berth (role all: its job worker runs in this process) on a scratch database, the demo models
 * trained, penguins deployed with main = best v2 model, challenger = best v1 model. For each
 * size, a penguins-like CSV (real rows of the vega penguins data with 1 % measurement noise) is
 * written to disk, uploaded as a dataset (streamed), then, for each runtime of BENCH_RUNTIMES in
 * turn (the runtimes interleaved per size, so both see the same machine):
 * - baseline: the same CSV read with readCsvRows, encoded, predicted and decoded in chunks of
 *   1 000 rows by main and challenger, each loaded through runtimeFor and codecFor as the runner
 *   loads them (so through that runtime), nothing else: raw batched inference on that runtime;
 * - pipeline: a pipeline on that dataset (file destination only) run with runNow; rows/s is
 *   rows read / (finishedAt − startedAt); RSS and the V8 heap are sampled every BENCH_SAMPLE_MS
 *   during the run, and on until the prediction log has written the run's predictions (the run
 *   does not wait for them).
 * The ratio is pipeline rows/s ÷ baseline rows/s of the same runtime on the same rows.
 * Goals (issue 14): pipeline/baseline rows/s ≥ 0.7; peak RSS flat as rows grow (large/small ≤ 1.25).
 *
 * The runtime is switched in this process with configureRuntimes, what BERTH_RUNTIME sets at
 * startup (server/services.ts): the runner picks it with runtimeFor when a run loads its models.
 * `onnx` is ONNX Runtime on the compiled serving graph without the TF.js fallback of `auto` (a
 * model that does not compile fails the bench instead of measuring TF.js under ONNX's name);
 * `tfjs` is TF.js. The baseline records the platform its models loaded on.
 *
 * Each runtime's baseline and pipeline are run once, untimed, on BENCH_WARMUP_ROWS first (JIT,
 * tfjs kernels, ONNX sessions).
 *
 * BENCH_RUNTIMES (onnx,tfjs): the runtimes measured, comma-separated, in this order; the first
 * is also the one the BENCH_PROFILE diagnostics run on.
 * BENCH_ROWS_SMALL (100000), BENCH_ROWS_LARGE (1000000), BENCH_WARMUP_ROWS (20000),
 * BENCH_SAMPLE_MS (100). BENCH_MAX_HEAP_SHARE (0.85): a run is cancelled when the V8 heap passes
 * this share of its limit, so the bench reports the growth instead of dying of it.
 * BENCH_PROFILE=1 adds diagnostics after the measured runs, on the first runtime: CPU profiles
 * of one more pipeline run on the small CSV, of its log drain and of the baseline (summarised in
 * the output, saved as .cpuprofile in the system's temporary folder); runs with the result
 * files' writes replaced by no-ops from the bench (server code unchanged), to measure what they
 * cost; and the heap really held at both sizes (a full collection every second).
 */

const FEATURES = ['Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'];
const CHUNK_ROWS = 1000;
const THROUGHPUT_GOAL = 0.7;
const MEMORY_GOAL = 1.25;
const MIB = 2 ** 20;

/** The runtimes BENCH_RUNTIMES can name: the BERTH_RUNTIME value each sets, and its name in the report. */
const RUNTIMES = { onnx: 'ONNX Runtime', tfjs: 'TF.js' } as const;
type BenchRuntime = keyof typeof RUNTIMES;

interface Settings {
  runtimes: BenchRuntime[];
  rowsSmall: number;
  rowsLarge: number;
  sampleMs: number;
  warmupRows: number;
  profile: boolean;
  maxHeapShare: number;
}

function readSettings(): Settings {
  const runtimes = (process.env.BENCH_RUNTIMES ?? 'onnx,tfjs').split(',').map((r) => r.trim()).filter((r) => r !== '');
  const unknown = runtimes.filter((r) => !(r in RUNTIMES));
  if (runtimes.length === 0 || unknown.length > 0) throw new Error(`BENCH_RUNTIMES must list runtimes among ${Object.keys(RUNTIMES).join(', ')}, comma-separated; got "${process.env.BENCH_RUNTIMES}"`);
  if (new Set(runtimes).size !== runtimes.length) throw new Error(`BENCH_RUNTIMES names a runtime twice: "${process.env.BENCH_RUNTIMES}"`);
  const settings = {
    runtimes: runtimes as BenchRuntime[],
    rowsSmall: positiveSetting('BENCH_ROWS_SMALL', 100_000),
    rowsLarge: positiveSetting('BENCH_ROWS_LARGE', 1_000_000),
    sampleMs: positiveSetting('BENCH_SAMPLE_MS', 100),
    warmupRows: positiveSetting('BENCH_WARMUP_ROWS', 20_000),
    profile: process.env.BENCH_PROFILE === '1',
    maxHeapShare: Number(process.env.BENCH_MAX_HEAP_SHARE ?? 0.85),
  };
  if (settings.rowsLarge <= settings.rowsSmall) throw new Error(`BENCH_ROWS_LARGE (${settings.rowsLarge}) must be more than BENCH_ROWS_SMALL (${settings.rowsSmall})`);
  if (!(settings.maxHeapShare > 0 && settings.maxHeapShare <= 1)) throw new Error('BENCH_MAX_HEAP_SHARE must be in (0, 1]');
  return settings;
}

/** A full collection before each measured phase, so each starts from the same heap (not a measurement). */
v8.setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

interface MemoryPeaks {
  /** RSS when sampling started (after a full GC). */
  startRss: number;
  peakRss: number;
  peakHeapUsed: number;
  peakExternal: number;
  /** Most prediction-log rows waiting in memory to be written. */
  peakLogBuffered: number;
  /** With `liveHeapEveryMs`: the most heap still in use right after a full collection (what is really held). */
  peakLiveHeap: number | null;
  samples: number;
}

/**
 * Samples process memory every `everyMs` until stopped; `onSample` may react (the heap guard).
 * `liveHeapEveryMs` (diagnostics only: it pauses the process) also runs a full collection that
 * often and records the heap left in use.
 */
function sampleMemory(berth: Berth, everyMs: number, options: { onSample?: (usage: NodeJS.MemoryUsage) => void; liveHeapEveryMs?: number } = {}) {
  const { onSample, liveHeapEveryMs } = options;
  const start = process.memoryUsage();
  const peaks: MemoryPeaks = { startRss: start.rss, peakRss: start.rss, peakHeapUsed: start.heapUsed, peakExternal: start.external, peakLogBuffered: 0, peakLiveHeap: liveHeapEveryMs ? start.heapUsed : null, samples: 1 };
  let lastCollection = performance.now();
  const sample = () => {
    const usage = process.memoryUsage();
    if (liveHeapEveryMs && performance.now() - lastCollection >= liveHeapEveryMs) {
      collectGarbage();
      lastCollection = performance.now();
      peaks.peakLiveHeap = Math.max(peaks.peakLiveHeap ?? 0, process.memoryUsage().heapUsed);
    }
    peaks.peakRss = Math.max(peaks.peakRss, usage.rss);
    peaks.peakHeapUsed = Math.max(peaks.peakHeapUsed, usage.heapUsed);
    peaks.peakExternal = Math.max(peaks.peakExternal, usage.external);
    peaks.peakLogBuffered = Math.max(peaks.peakLogBuffered, berth.services.predictionLog.stats.buffered);
    peaks.samples++;
    onSample?.(usage);
  };
  const timer = setInterval(sample, everyMs);
  return {
    /** The peaks so far (sampling goes on). */
    snapshot: (): MemoryPeaks => {
      sample();
      return { ...peaks };
    },
    stop: (): MemoryPeaks => {
      clearInterval(timer);
      sample();
      return { ...peaks };
    },
  };
}

/**
 * Writes `rows` penguins-like rows: real records (Species left out, missing values kept) drawn
 * at random, numbers with 1 % Gaussian noise rounded to 0.1. Streamed to disk in blocks.
 */
async function writeCsv(file: string, rows: number, seed: number): Promise<number> {
  const records = vegaRecords('penguins').filter((r) => r.Species !== null && r.Species !== undefined);
  const rand = seededRandom(seed);
  const out = createWriteStream(file);
  out.write(csvLine(FEATURES));
  let block: string[] = [];
  for (let i = 0; i < rows; i++) {
    const source = records[Math.floor(rand() * records.length)] as Record<string, unknown>;
    block.push(csvLine(FEATURES.map((name) => (typeof source[name] === 'number' ? Math.round((source[name] as number) * (1 + 0.01 * gaussian(rand)) * 10) / 10 : source[name]))));
    if (block.length === 10_000 || i === rows - 1) {
      if (!out.write(block.join(''))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      block = [];
    }
  }
  out.end();
  await finished(out);
  return (await stat(file)).size;
}

interface LoadedModel {
  codec: ModelCodec;
  runtime: ModelRuntime;
}

/**
 * A model loaded the way the runner loads it (PipelineRunner.load): its files from the artifact
 * store into the runtime runtimeFor picks (the runtime the bench set), with its codec.
 */
async function loadModel(berth: Berth, artifacts: LocalArtifactStore, modelId: string): Promise<LoadedModel> {
  const model = await berth.services.experiments.model(modelId);
  const version = await berth.services.experiments.version(model.versionId);
  const runtime = runtimeFor(model, () => Promise.all(model.files.map(async (f) => ({ name: f.name, bytes: await artifacts.read(f.sha256) }))));
  await runtime.load();
  return { codec: codecFor(version.preprocessing!, model.contract), runtime };
}

/** Switches what serves Berth-trained models in this process, as BERTH_RUNTIME does at startup: the next load (a run's, the baseline's) uses it. */
function useRuntime(bench: Bench, runtime: BenchRuntime): void {
  configureRuntimes({ prefer: runtime });
  bench.runtime = runtime;
}

interface BaselineResult {
  /** The platform main and challenger loaded on (describe()): proves which runtime ran. */
  platform: string;
  rows: number;
  predicted: number;
  failed: number;
  seconds: number;
  rowsPerSecond: number;
  /** Main predictions per label, to check the pipeline predicted the same. */
  mainLabels: Record<string, number>;
  memory: MemoryPeaks;
  cores: Cores;
}

/** Raw batched inference on the CSV: read, encode, predict and decode with main and challenger; no files, no database. */
async function baseline(bench: Bench, file: string, settings: Settings, options: { liveHeapEveryMs?: number } = {}): Promise<BaselineResult> {
  const { berth, localPostgres, penguins, artifacts } = bench;
  const main = await loadModel(berth, artifacts, penguins.set.main.model.id);
  const challenger = await loadModel(berth, artifacts, penguins.set.challenger.model.id);
  const platforms = [...new Set([main.runtime.describe().platform, challenger.runtime.describe().platform])];
  try {
    collectGarbage();
    const memory = sampleMemory(berth, settings.sampleMs, options);
    let rows = 0;
    let predicted = 0;
    let failed = 0;
    const mainLabels: Record<string, number> = {};
    const predictChunk = async (chunk: Row[]) => {
      // The runner's calls (PipelineRunner.runChunks), without its files, database and log.
      const encoded = main.codec.encode(chunk, { mode: 'strict', firstRowNumber: rows + 1, unknownFields: 'ignore' });
      rows += chunk.length;
      const rejected = new Set(encoded.rejected);
      failed += rejected.size;
      const valid = rejected.size === 0 ? chunk : chunk.filter((_, i) => !rejected.has(i));
      if (valid.length === 0) return;
      const mainPredictions: Prediction[] = main.codec.decode(await main.runtime.predict(encoded.batch), encoded.batch.rows);
      const forChallenger = challenger.codec.encode(valid, { mode: 'best_effort', unknownFields: 'ignore' });
      const challengerPredictions = challenger.codec.decode(await challenger.runtime.predict(forChallenger.batch), forChallenger.batch.rows);
      if (challengerPredictions.length !== valid.length) throw new Error('the challenger did not predict every row');
      for (const p of mainPredictions) mainLabels[String(p.prediction)] = (mainLabels[String(p.prediction)] ?? 0) + 1;
      predicted += valid.length;
    };
    const { cores, seconds } = await withCores(berth, localPostgres, async () => {
      let chunk: Row[] = [];
      for await (const row of readCsvRows(createReadStream(file), { fileName: path.basename(file) })) {
        chunk.push(row);
        if (chunk.length === CHUNK_ROWS) {
          await predictChunk(chunk);
          chunk = [];
        }
      }
      if (chunk.length > 0) await predictChunk(chunk);
    });
    return { platform: platforms.join(' + '), rows, predicted, failed, seconds, rowsPerSecond: rows / seconds, mainLabels, memory: memory.stop(), cores };
  } finally {
    main.runtime.unload();
    challenger.runtime.unload();
  }
}

interface PipelineResult {
  runId: string;
  status: RunStatus;
  error: string | null;
  rowsRead: number;
  rowsPredicted: number;
  rowsFailed: number;
  /** finishedAt − startedAt of the run. */
  seconds: number;
  rowsPerSecond: number;
  /** From runNow to the worker starting the run (Agenda polling), not in `seconds`. */
  queuedSeconds: number;
  files: Record<string, number>;
  /** Sampled from runNow until the run finished. */
  memory: MemoryPeaks;
  /** Prediction-log rows still in memory when the run finished, and the time to write them. */
  logBacklogAtFinish: number;
  logDrainSeconds: number;
  logRowsWritten: number;
  /** Sampled from runNow until the prediction log had written the run's rows. */
  memoryUntilDrained: MemoryPeaks;
  cores: Cores;
  drainCores: Cores;
  cancelledForMemory: boolean;
}

async function runPipeline(bench: Bench, dataset: Dataset, label: string, settings: Settings, hooks: { finished?: () => Promise<void>; liveHeapEveryMs?: number } = {}): Promise<PipelineResult> {
  const { berth, localPostgres, penguins } = bench;
  const { services } = berth;
  const pipeline = await services.pipelines.create(penguins.admin.id, {
    deploymentId: penguins.deployment.id,
    name: `bench ${label}`,
    sourceKind: PipelineSourceKind.dataset,
    sourceDatasetId: dataset.id,
  });
  const log = services.predictionLog;
  await log.flush(10 * 60_000);
  const writtenBefore = log.stats.written;
  collectGarbage();

  let runId: string | undefined;
  let cancelledForMemory = false;
  const heapLimit = v8.getHeapStatistics().heap_size_limit;
  const memory = sampleMemory(berth, settings.sampleMs, {
    liveHeapEveryMs: hooks.liveHeapEveryMs,
    onSample: (usage) => {
      if (!cancelledForMemory && runId && usage.heapUsed > settings.maxHeapShare * heapLimit) {
        cancelledForMemory = true;
        step(`  heap at ${(usage.heapUsed / MIB).toFixed(0)} MiB of ${(heapLimit / MIB).toFixed(0)} MiB: cancelling the run`);
        void services.pipelines.cancel(runId).catch((error) => step(`  could not cancel: ${(error as Error).message}`));
      }
    },
  });
  const requested = Date.now();
  let lastReport = performance.now();
  const { value: run, cores } = await withCores(berth, localPostgres, async () => {
    runId = (await services.pipelines.runNow(pipeline.id, penguins.admin.id)).id;
    return waitFor<PipelineRun>(`the ${label} pipeline run`, 60 * 60_000, async () => {
      const current = await services.pipelines.run(runId!);
      if ([RunStatus.succeeded, RunStatus.failed, RunStatus.cancelled].includes(current.status)) return current;
      if (performance.now() - lastReport > 15_000) {
        lastReport = performance.now();
        const { rss } = process.memoryUsage();
        step(`  ${current.status}: ${current.rowsRead.toLocaleString('en')} of ${dataset.rows.toLocaleString('en')} rows read; RSS ${(rss / MIB).toFixed(0)} MiB, prediction log holding ${log.stats.buffered.toLocaleString('en')} rows`);
      }
      return undefined;
    });
  });
  const atFinish = memory.snapshot();
  const logBacklogAtFinish = log.stats.buffered;
  await hooks.finished?.();
  step(`  run ${run.status}; prediction log holding ${logBacklogAtFinish.toLocaleString('en')} rows: waiting for it to write them`);
  const drain = await withCores(berth, localPostgres, () => log.flush(30 * 60_000));
  const memoryUntilDrained = memory.stop();
  const seconds = run.startedAt && run.finishedAt ? (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000 : NaN;
  return {
    runId: run.id,
    status: run.status,
    error: run.error,
    rowsRead: run.rowsRead,
    rowsPredicted: run.rowsPredicted,
    rowsFailed: run.rowsFailed,
    seconds,
    rowsPerSecond: run.rowsRead / seconds,
    queuedSeconds: run.startedAt ? (run.startedAt.getTime() - requested) / 1000 : NaN,
    files: Object.fromEntries(Object.entries(run.files).map(([kind, file]) => [kind, file!.size])),
    memory: atFinish,
    logBacklogAtFinish,
    logDrainSeconds: drain.seconds,
    logRowsWritten: log.stats.written - writtenBefore,
    memoryUntilDrained,
    cores,
    drainCores: drain.cores,
    cancelledForMemory,
  };
}

/** Main predictions per label in a run's main file (the `prediction` column). */
async function labelsOfRun(bench: Bench, runId: string): Promise<Record<string, number>> {
  const run = await bench.berth.services.pipelines.run(runId);
  const counts: Record<string, number> = {};
  for await (const row of readCsvRows(bench.artifacts.open(run.files.main!.sha256), { fileName: 'main.csv' })) {
    const label = String(row.prediction);
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

interface Bench {
  /** The runtime runs and baselines load their models on now (useRuntime). */
  runtime: BenchRuntime;
  berth: Berth;
  localPostgres: boolean;
  penguins: PenguinsDeployment;
  artifacts: LocalArtifactStore;
}

/** One runtime's baseline and pipeline run on one CSV. */
interface RuntimeResult {
  runtime: BenchRuntime;
  baseline: BaselineResult;
  pipeline: PipelineResult;
  /** pipeline rows/s ÷ baseline rows/s, both on this runtime. */
  ratio: number;
  /** Main predictions per label: pipeline file and baseline agree (checked at the small size only). */
  sameLabels: boolean | null;
}

interface SizeResult {
  rows: number;
  csvBytes: number;
  uploadSeconds: number;
  /** In BENCH_RUNTIMES order. */
  runtimes: RuntimeResult[];
}

/** Starts a CPU profile of this process (every 500 µs); stop() saves it to `file` and summarises it. */
async function startProfile(file: string): Promise<{ stop: () => Promise<ProfileSummary> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return {
    stop: async () => {
      try {
        const { profile } = await session.post('Profiler.stop');
        await writeFile(file, JSON.stringify(profile));
        return summarise(profile as Parameters<typeof summarise>[0]);
      } finally {
        session.disconnect();
      }
    },
  };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface ProfileSummary {
  seconds: number;
  samples: number;
  /** Share of samples per kind of work (see CATEGORIES): the whole stack decides, first rule that matches. */
  categories: Array<{ frame: string; share: number }>;
  /** Share of samples per innermost function of server/ on the stack (file:line of the function, source-mapped). */
  owners: Array<{ frame: string; share: number }>;
  /** Samples with a pipeline-runner.ts frame: innermost runner function → the function it was running. */
  runner: Array<{ frame: string; share: number }>;
  /** Share of samples per leaf function. */
  self: Array<{ frame: string; share: number }>;
}

/** Kinds of work, tried in order on every frame of a sample's stack. */
const CATEGORIES: Array<[string, (url: string, fn: string) => boolean]> = [
  // The log writes on its own thread after the run: on the run's thread, only a hand-over.
  ['prediction log: handing the result files over (monitoring)', (url) => url.includes('/server/monitoring/')],
  ['pg client: the run\'s own queries (progress, final save)', (url) => url.includes('/pg/') || url.includes('/pg-protocol/') || url.includes('/pg-pool/')],
  ['result files: csvCell, probabilityCell, CsvFileWriter (writeRows)', (url, fn) => url.includes('/server/pipelines/csv-writer.ts') || url.includes('/server/platform/csv.ts') || (url.includes('pipeline-runner.ts') && fn === 'writeRows')],
  // Before the artifact store: the CSV parser runs inside the read stream's hash-checking transform.
  ['reading the source CSV (csv-parse, readCsvRows)', (url) => url.includes('/csv-parse/') || url.includes('/server/ml/csv.ts')],
  ['artifact store: checking the dataset\'s hash, storing the result files', (url) => url.includes('/server/platform/artifact-store.ts')],
  ['decoding outputs (decodeOutputs)', (_url, fn) => fn === 'decodeOutputs'],
  ['encoding rows (encodeRows)', (url) => url.includes('/server/ml/preprocessing.ts') || url.includes('/server/ml/values.ts')],
  ['inference (server/ml/runtimes: ONNX Runtime, TF.js)', (url) => url.includes('/server/ml/runtimes/') || url.includes('/@tensorflow/') || url.includes('/onnxruntime-')],
  ['run bookkeeping: cancel-check SELECT, progress UPDATE, job touch, NOTIFY (typeorm, agenda)', (url) => url.includes('/typeorm/') || url.includes('/agenda') || url.includes('/server/platform/event-bus.ts')],
  ['runner, other', (url) => url.includes('pipeline-runner.ts')],
  ['this benchmark (polling, sampling)', (url) => url.includes('/bench/')],
  ['garbage collection', (_url, fn) => fn === '(garbage collector)'],
  ['idle (waiting for I/O: database, disk)', (_url, fn) => fn === '(idle)'],
];

function summarise(profile: { nodes: ProfileNode[]; samples?: number[]; startTime: number; endTime: number }): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const where = (n: ProfileNode) => {
    const { url, functionName, lineNumber, columnNumber } = n.callFrame;
    const file = url.replace(/^file:\/\//, '');
    const short = file.includes('/node_modules/') ? file.slice(file.lastIndexOf('/node_modules/') + 14) : file.startsWith(process.cwd()) ? path.relative(process.cwd(), file) : file || '(native)';
    // tsx compiles with source maps: report the line of the TypeScript source.
    const entry = url.startsWith('file://') ? (findSourceMap(url)?.findEntry(lineNumber, columnNumber) as { originalLine?: number } | undefined) : undefined;
    const at = typeof entry?.originalLine === 'number' ? `:${entry.originalLine + 1}` : '';
    return `${functionName || '(anonymous)'} ${short}${at}`;
  };
  const categories = new Map<string, number>();
  const owners = new Map<string, number>();
  const runner = new Map<string, number>();
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const id of samples) {
    const leaf = byId.get(id)!;
    add(self, where(leaf));
    const stack: ProfileNode[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!);
    const category = CATEGORIES.find(([, test]) => stack.some((n) => test(n.callFrame.url, n.callFrame.functionName)));
    add(categories, category ? category[0] : `other (${leaf.callFrame.functionName || 'anonymous'})`);
    const owner = stack.find((n) => n.callFrame.url.includes('/server/'));
    add(owners, owner ? where(owner) : `(no server frame) ${where(leaf)}`);
    const r = stack.findIndex((n) => n.callFrame.url.includes('pipeline-runner.ts'));
    if (r >= 0) add(runner, `${where(stack[r])} → ${r === 0 ? '(itself)' : where(stack[r - 1])}`);
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([frame, count]) => ({ frame, share: count / Math.max(1, samples.length) }));
  return { seconds: (profile.endTime - profile.startTime) / 1e6, samples: samples.length, categories: top(categories, 30), owners: top(owners, 30), runner: top(runner, 30), self: top(self, 30) };
}

interface Diagnostics {
  profiles: { pipelineRun: ProfileSummary; logDrain: ProfileSummary; baseline: ProfileSummary; files: string[] };
  /** The same run with parts of the runner's work switched off from the outside (server code unchanged). */
  variants: Array<{ variant: string; rowsPerSecond: number; seconds: number; peakRss: number; peakLogBuffered: number; cores: Cores }>;
  /** Runs at both sizes with a full collection every LIVE_HEAP_EVERY_MS: the heap really held, not garbage not yet collected. */
  liveHeap: Array<{ rows: number; pipeline: { peakLiveHeap: number; peakLogBuffered: number; rowsPerSecond: number }; baseline: { peakLiveHeap: number } }>;
}

const LIVE_HEAP_EVERY_MS = 1000;
const DIAGNOSTIC_ROUNDS = 2;

interface BenchCsv {
  rows: number;
  file: string;
  dataset: Dataset;
}

/**
 * Where a run's time goes, on the small CSV: a CPU profile of one more run (until it finishes,
 * then of the log drain after it) and of the baseline; then runs with the result files' writes
 * replaced by no-ops, to measure what they cost the run. Diagnostics only: their rows go nowhere.
 */
async function diagnose(bench: Bench, csvs: BenchCsv[], settings: Settings, stamp: string): Promise<Diagnostics> {
  const small = csvs[0];
  // Megabytes each: kept out of the repository, in the system's temporary folder.
  const folder = path.join(os.tmpdir(), 'berth-bench-profiles');
  await mkdir(folder, { recursive: true });
  const files = ['pipeline-run', 'log-drain', 'baseline'].map((name) => path.join(folder, `batch-${stamp}-${name}.cpuprofile`));
  step('diagnostics: CPU profile of one more pipeline run on the small CSV, then of its log drain');
  let profiler = await startProfile(files[0]);
  let pipelineRun: ProfileSummary | undefined;
  await runPipeline(bench, small.dataset, 'profiled', settings, {
    finished: async () => {
      pipelineRun = await profiler.stop();
      profiler = await startProfile(files[1]);
    },
  });
  const logDrain = await profiler.stop();
  step('diagnostics: CPU profile of the baseline on the small CSV');
  profiler = await startProfile(files[2]);
  await baseline(bench, small.file, settings);
  const base = await profiler.stop();

  const log = bench.berth.services.predictionLog;
  const writeText = CsvFileWriter.prototype.writeText;
  const variants: Diagnostics['variants'] = [];
  /** Best of DIAGNOSTIC_ROUNDS interleaved runs: other work on the machine only ever slows a run down. */
  const variant = async (name: string, noFiles: boolean) => {
    step(`diagnostics: run ${name}`);
    if (noFiles) {
      CsvFileWriter.prototype.writeText = async () => undefined;
      // The log reads the run's predictions from its files: empty files, nothing to read.
      log.recordRun = () => undefined;
    }
    try {
      const run = await runPipeline(bench, small.dataset, name, settings);
      if (run.status !== RunStatus.succeeded) throw new Error(`the diagnostic run "${name}" ${run.status}: ${run.error}`);
      const result = { variant: name, rowsPerSecond: run.rowsPerSecond, seconds: run.seconds, peakRss: run.memory.peakRss, peakLogBuffered: run.memory.peakLogBuffered, cores: run.cores };
      const index = variants.findIndex((v) => v.variant === name);
      if (index < 0) variants.push(result);
      else if (result.rowsPerSecond > variants[index].rowsPerSecond) variants[index] = result;
      step(`  ${run.rowsPerSecond.toFixed(0)} rows/s`);
    } finally {
      delete (log as { recordRun?: unknown }).recordRun;
      CsvFileWriter.prototype.writeText = writeText;
    }
  };
  for (let round = 0; round < DIAGNOSTIC_ROUNDS; round++) {
    await variant('as is', false);
    await variant('without result-file writes', true);
  }

  const liveHeap: Diagnostics['liveHeap'] = [];
  for (const csv of csvs) {
    step(`diagnostics: live heap (a full collection every ${LIVE_HEAP_EVERY_MS} ms) of a pipeline run and the baseline on ${csv.rows.toLocaleString('en')} rows`);
    const run = await runPipeline(bench, csv.dataset, `live heap ${csv.rows}`, settings, { liveHeapEveryMs: LIVE_HEAP_EVERY_MS });
    if (run.status !== RunStatus.succeeded) throw new Error(`the live-heap run on ${csv.rows} rows ${run.status}: ${run.error}`);
    const base = await baseline(bench, csv.file, settings, { liveHeapEveryMs: LIVE_HEAP_EVERY_MS });
    liveHeap.push({
      rows: csv.rows,
      pipeline: { peakLiveHeap: run.memory.peakLiveHeap!, peakLogBuffered: run.memory.peakLogBuffered, rowsPerSecond: run.rowsPerSecond },
      baseline: { peakLiveHeap: base.memory.peakLiveHeap! },
    });
    step(`  live heap: pipeline ${mib(run.memory.peakLiveHeap!)} (log backlog up to ${run.memory.peakLogBuffered.toLocaleString('en')} rows), baseline ${mib(base.memory.peakLiveHeap!)}`);
  }
  return { profiles: { pipelineRun: pipelineRun!, logDrain, baseline: base, files }, variants, liveHeap };
}

async function main(resources: Resources): Promise<void> {
  const settings = readSettings();
  const benchStarted = performance.now();

  try {
    // Room for the large CSV: it must be accepted as a dataset (~40 bytes a row).
    const env = {
      BERTH_MAX_DATASET_ROWS: String(Math.max(1_000_000, settings.rowsLarge)),
      BERTH_MAX_UPLOAD_BYTES: String(Math.max(100 * MIB, settings.rowsLarge * 80)),
    };
    const { berth, localPostgres, dataDir } = await startBenchBerth(resources, { env });
    const { services } = berth;
    const penguins = await deployPenguins(berth, 'bench-batch');
    const bench: Bench = { runtime: settings.runtimes[0], berth, localPostgres, penguins, artifacts: new LocalArtifactStore(path.join(berth.config.dataDir, 'artifacts')) };
    // Whatever the bench switched to, back to the configured runtime before Berth closes.
    resources.push(async () => configureRuntimes({ prefer: berth.config.serving.runtime }));
    step(`deployed ${penguins.deployment.slug}: main ${penguins.set.main.model.name} (v2), challenger ${penguins.set.challenger.model.name} (v1)`);

    /** Writes a CSV of `rows` rows and uploads it as a dataset, streamed from the file. */
    const upload = async (rows: number, seed: number) => {
      const file = path.join(dataDir, `bench-${rows}.csv`);
      step(`writing a ${rows.toLocaleString('en')}-row penguins CSV`);
      const csvBytes = await writeCsv(file, rows, seed);
      const uploadStarted = performance.now();
      const dataset = await services.datasets.upload(penguins.experiment.projectId, penguins.admin.id, 'bench.csv', createReadStream(file));
      const uploadSeconds = (performance.now() - uploadStarted) / 1000;
      step(`  ${(csvBytes / MIB).toFixed(1)} MiB, uploaded as dataset ${dataset.id} (${dataset.rows.toLocaleString('en')} rows) in ${uploadSeconds.toFixed(1)} s`);
      if (dataset.rows !== rows) throw new Error(`the dataset has ${dataset.rows} rows, not ${rows}`);
      return { rows, file, dataset, csvBytes, uploadSeconds };
    };

    // Untimed: compiles the hot paths (JIT), the tfjs kernels and ONNX sessions of each runtime before anything is measured.
    const warmup = await upload(settings.warmupRows, 20261124);
    for (const runtime of settings.runtimes) {
      useRuntime(bench, runtime);
      step(`warm-up on ${RUNTIMES[runtime]}: baseline and a pipeline run on the ${settings.warmupRows.toLocaleString('en')} rows (not measured)`);
      const warmupBase = await baseline(bench, warmup.file, settings);
      step(`  models loaded on ${warmupBase.platform}`);
      const warmupRun = await runPipeline(bench, warmup.dataset, `warm-up ${runtime}`, settings);
      if (warmupRun.status !== RunStatus.succeeded) throw new Error(`the ${RUNTIMES[runtime]} warm-up run ${warmupRun.status}: ${warmupRun.error}`);
    }

    const sizes: SizeResult[] = [];
    const csvs: BenchCsv[] = [];
    for (const [index, rows] of [settings.rowsSmall, settings.rowsLarge].entries()) {
      const label = rows.toLocaleString('en');
      const { file, dataset, csvBytes, uploadSeconds } = await upload(rows, 20261125 + index);
      csvs.push({ rows, file, dataset });
      const results: RuntimeResult[] = [];
      for (const runtime of settings.runtimes) {
        useRuntime(bench, runtime);
        const on = RUNTIMES[runtime];
        step(`${on} baseline: raw batched inference of main and challenger on the ${label} rows`);
        const base = await baseline(bench, file, settings);
        step(`  ${base.rowsPerSecond.toFixed(0)} rows/s on ${base.platform} (${base.seconds.toFixed(1)} s, ${base.failed} rows rejected), peak RSS ${mib(base.memory.peakRss)}`);

        step(`${on} pipeline: runNow on the ${label}-row dataset`);
        const run = await runPipeline(bench, dataset, `${label} rows, ${runtime}`, settings);
        if (run.status !== RunStatus.succeeded) throw new Error(`the ${label}-row run on ${on} ${run.status}: ${run.error}${run.cancelledForMemory ? ' (cancelled by the bench: the heap was nearly full)' : ''}`);
        step(
          `  ${run.rowsPerSecond.toFixed(0)} rows/s = ${(run.rowsPerSecond / base.rowsPerSecond).toFixed(2)} × baseline (${run.rowsRead.toLocaleString('en')} rows read, ${run.rowsFailed} failed, in ${run.seconds.toFixed(1)} s), ` +
            `peak RSS ${mib(run.memory.peakRss)} (${mib(run.memoryUntilDrained.peakRss)} until the log drained in ${run.logDrainSeconds.toFixed(1)} s)`,
        );
        const sameLabels = index === 0 ? JSON.stringify(Object.entries(await labelsOfRun(bench, run.runId)).sort()) === JSON.stringify(Object.entries(base.mainLabels).sort()) : null;
        results.push({ runtime, baseline: base, pipeline: run, ratio: run.rowsPerSecond / base.rowsPerSecond, sameLabels });
      }
      sizes.push({ rows, csvBytes, uploadSeconds, runtimes: results });
    }

    const resultsDir = fileURLToPath(new URL('./results', import.meta.url));
    await mkdir(resultsDir, { recursive: true });
    const date = new Date().toISOString();
    useRuntime(bench, settings.runtimes[0]);
    const diagnostics = settings.profile ? await diagnose(bench, csvs, settings, date.replace(/[:.]/g, '-')) : undefined;

    const [small, large] = sizes;
    const perRuntime: RuntimeSummary[] = settings.runtimes.map((runtime, i) => {
      const [s, l] = [small.runtimes[i], large.runtimes[i]];
      const peakRssRatio = l.pipeline.memory.peakRss / s.pipeline.memory.peakRss;
      const peakRssRatioUntilDrained = l.pipeline.memoryUntilDrained.peakRss / s.pipeline.memoryUntilDrained.peakRss;
      return {
        runtime,
        platform: s.baseline.platform,
        ratios: [s, l].map((r, j) => ({ rows: sizes[j].rows, pipelineRowsPerSecond: r.pipeline.rowsPerSecond, baselineRowsPerSecond: r.baseline.rowsPerSecond, ratio: r.ratio, withinGoal: r.ratio >= THROUGHPUT_GOAL })),
        memory: {
          peakRssRatio,
          peakRssRatioUntilDrained,
          peakHeapUsedRatio: l.pipeline.memory.peakHeapUsed / s.pipeline.memory.peakHeapUsed,
          withinGoal: peakRssRatio <= MEMORY_GOAL && peakRssRatioUntilDrained <= MEMORY_GOAL,
        },
      };
    });
    const machine = {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      postgres: ((await services.db.query('SHOW server_version')) as Array<{ server_version: string }>)[0].server_version,
      postgresLocal: localPostgres,
      heapLimitMiB: Math.round(v8.getHeapStatistics().heap_size_limit / MIB),
    };
    const report = {
      benchmark: 'batch',
      date,
      code: codeVersion(),
      machine,
      settings: { ...settings, chunkRows: CHUNK_ROWS, throughputGoal: THROUGHPUT_GOAL, memoryGoal: MEMORY_GOAL },
      models: { main: penguins.set.main.model.name, challenger: penguins.set.challenger.model.name },
      /** Per runtime, in BENCH_RUNTIMES order: each ratio is against that runtime's own baseline. */
      results: perRuntime,
      sizes,
      diagnostics,
      totalSeconds: (performance.now() - benchStarted) / 1000,
    };

    console.log('');
    console.log(formatReport(report.date, report.code, machine, sizes, perRuntime, diagnostics));

    const json = `${JSON.stringify(report, null, 2)}\n`;
    const file = path.join(resultsDir, `batch-${report.date.replace(/[:.]/g, '-')}.json`);
    await writeFile(file, json);
    await writeFile(path.join(resultsDir, 'batch-latest.json'), json);
    console.log(`\nwritten: ${path.relative(process.cwd(), file)} (and batch-latest.json)`);
  } finally {
    step('cleaning up (closing Berth, dropping the scratch database)');
  }
}

/** One runtime's figures at both sizes: the report's summary. */
interface RuntimeSummary {
  runtime: BenchRuntime;
  platform: string;
  ratios: Array<{ rows: number; pipelineRowsPerSecond: number; baselineRowsPerSecond: number; ratio: number; withinGoal: boolean }>;
  /** Large ÷ small: the pipeline run's peaks. */
  memory: { peakRssRatio: number; peakRssRatioUntilDrained: number; peakHeapUsedRatio: number; withinGoal: boolean };
}

const mib = (bytes: number) => `${(bytes / MIB).toFixed(0)} MiB`;
const size = (n: number) => (n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));

function formatReport(
  date: string,
  code: { commit: string; uncommitted: string[] } | null,
  machine: { cpus: number; cpuModel: string; node: string; postgres: string },
  sizes: SizeResult[],
  perRuntime: RuntimeSummary[],
  diagnostics: Diagnostics | undefined,
): string {
  const [small, large] = sizes;
  const table = (header: string[], body: string[][], textLast = false) => {
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
    // Labels (first column) and verdicts (`textLast`) read left to right; figures line up on the right.
    const line = (cells: string[]) => cells.map((cell, i) => (i === 0 || (textLast && i === cells.length - 1) ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ').trimEnd();
    return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  };
  const cores = (c: Cores) => [c.bench, c.postgres, c.other].map((v) => (v === null ? '?' : v.toFixed(2))).join('/');
  const ratio = (a: number, b: number) => (b / a).toFixed(2);
  /** Per runtime: its figure at the small size, at the large size, and large/small when `grows` gives the figure. */
  const side = (f: (r: RuntimeResult) => string, grows?: (r: RuntimeResult) => number) =>
    perRuntime.flatMap((_, i) => [f(small.runtimes[i]), f(large.runtimes[i]), grows ? ratio(grows(small.runtimes[i]), grows(large.runtimes[i])) : '']);
  const verdict = (met: (i: number) => boolean) => perRuntime.map((r, i) => `${RUNTIMES[r.runtime]} ${met(i) ? 'met' : 'NOT met'}`).join(', ');
  const first = small.runtimes[0];
  const liveHeaps = diagnostics?.liveHeap ?? [];
  const liveHeapRatio = liveHeaps.length === 2 ? liveHeaps[1]!.pipeline.peakLiveHeap / liveHeaps[0]!.pipeline.peakLiveHeap : null;
  const contended = sizes.flatMap((s) =>
    s.runtimes.flatMap((r) => [
      ...(r.baseline.cores.other > CONTENDED_CORES ? [`the ${size(s.rows)} ${RUNTIMES[r.runtime]} baseline (${r.baseline.cores.other.toFixed(2)} cores)`] : []),
      ...(r.pipeline.cores.other > CONTENDED_CORES ? [`the ${size(s.rows)} ${RUNTIMES[r.runtime]} pipeline run (${r.pipeline.cores.other.toFixed(2)} cores)`] : []),
    ]),
  );
  const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
  const shares = (entries: Array<{ frame: string; share: number }>, n: number) => entries.slice(0, n).map((e) => `    ${percent(e.share).padStart(7)}  ${e.frame}`);
  const profileLines = (title: string, p: ProfileSummary, details: boolean) => [
    '',
    `${title} (${p.seconds.toFixed(1)} s, ${p.samples} samples):`,
    ...shares(p.categories, 14),
    ...(details
      ? [
          '  by innermost server/ function on the stack:',
          ...shares(p.owners, 12),
          ...(p.runner.length > 0 ? ['  samples under pipeline-runner.ts (runner function → what it was running):', ...shares(p.runner, 12)] : []),
        ]
      : []),
  ];
  const diagnosticLines = diagnostics
    ? [
        '',
        `diagnostics on the ${size(small.rows)} CSV, ${RUNTIMES[first.runtime]} (server code unchanged; parts switched off from the bench; best of ${DIAGNOSTIC_ROUNDS} interleaved runs):`,
        ...table(
          ['run', 'rows/s', 'vs as is', 'vs baseline', 'peak RSS', 'peak log backlog', 'cores bench/pg/other'],
          diagnostics.variants.map((v) => [
            v.variant,
            v.rowsPerSecond.toFixed(0),
            (v.rowsPerSecond / diagnostics.variants[0].rowsPerSecond).toFixed(2),
            (v.rowsPerSecond / first.baseline.rowsPerSecond).toFixed(2),
            mib(v.peakRss),
            v.peakLogBuffered.toLocaleString('en'),
            cores(v.cores),
          ]),
        ),
        '',
        `heap really held (in use right after a full collection, one every ${LIVE_HEAP_EVERY_MS} ms; slows the runs):`,
        ...table(
          ['rows', 'pipeline: peak live heap', 'peak log backlog (rows)', 'rows/s (slowed)', 'baseline: peak live heap'],
          diagnostics.liveHeap.map((h) => [size(h.rows), mib(h.pipeline.peakLiveHeap), h.pipeline.peakLogBuffered.toLocaleString('en'), h.pipeline.rowsPerSecond.toFixed(0), mib(h.baseline.peakLiveHeap)]),
        ),
        ...profileLines('CPU profile of a pipeline run, runNow → finished', diagnostics.profiles.pipelineRun, true),
        ...profileLines('CPU profile of the main thread while the log\'s own thread (not profiled) writes that run\'s rows', diagnostics.profiles.logDrain, false),
        ...profileLines('CPU profile of the baseline', diagnostics.profiles.baseline, false),
        `profiles: ${diagnostics.profiles.files.join(', ')}`,
      ]
    : [];
  const rowsPerSecondOf = (r: RuntimeResult) => r.pipeline.rowsPerSecond;
  return [
    `batch benchmark, ${date}: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, PostgreSQL ${machine.postgres}`,
    code ? `code: ${code.commit.slice(0, 10)}${code.uncommitted.length > 0 ? ` + uncommitted changes to ${code.uncommitted.join(', ')}` : ''}` : 'code: unknown (not a git checkout)',
    'penguins, main (v2) and challenger (v1) both predicting every row, chunks of 1 000 rows',
    `runtimes: ${perRuntime.map((r) => `${RUNTIMES[r.runtime]} (BERTH_RUNTIME=${r.runtime}: models loaded on ${r.platform})`).join(', ')}; each ratio is against the same runtime's baseline`,
    '',
    ...table(
      ['', ...perRuntime.flatMap((r) => [`${RUNTIMES[r.runtime]} ${size(small.rows)}`, size(large.rows), `${size(large.rows)}/${size(small.rows)}`]), 'goal'],
      [
        ['pipeline rows/s', ...side((r) => r.pipeline.rowsPerSecond.toFixed(0), rowsPerSecondOf), ''],
        ['baseline rows/s (raw inference)', ...side((r) => r.baseline.rowsPerSecond.toFixed(0), (r) => r.baseline.rowsPerSecond), ''],
        ['pipeline / baseline', ...side((r) => r.ratio.toFixed(2)), `≥ ${THROUGHPUT_GOAL}: ${verdict((i) => perRuntime[i].ratios.every((x) => x.withinGoal))}`],
        ['pipeline seconds (start → finish)', ...side((r) => r.pipeline.seconds.toFixed(1)), ''],
        // The heap really held is what grows with a run's size, if anything does; RSS also keeps
        // whatever the process took before the run (an earlier baseline, the other runtime), so it is shown beside.
        ['peak RSS, run', ...side((r) => mib(r.pipeline.memory.peakRss), (r) => r.pipeline.memory.peakRss), `≤ ${MEMORY_GOAL}: ${verdict((i) => perRuntime[i].memory.peakRssRatio <= MEMORY_GOAL)}`],
        ['  RSS at start (after GC)', ...side((r) => mib(r.pipeline.memory.startRss)), ''],
        ['  peak V8 heap used, run', ...side((r) => mib(r.pipeline.memory.peakHeapUsed), (r) => r.pipeline.memory.peakHeapUsed), ''],
        ['  peak external (ArrayBuffers…), run', ...side((r) => mib(r.pipeline.memory.peakExternal), (r) => r.pipeline.memory.peakExternal), ''],
        ['  peak prediction-log backlog (rows)', ...side((r) => r.pipeline.memory.peakLogBuffered.toLocaleString('en')), ''],
        ['peak RSS until the log was written', ...side((r) => mib(r.pipeline.memoryUntilDrained.peakRss), (r) => r.pipeline.memoryUntilDrained.peakRss), `≤ ${MEMORY_GOAL}: ${verdict((i) => perRuntime[i].memory.peakRssRatioUntilDrained <= MEMORY_GOAL)}`],
        ['  log rows left at finish / drain s', ...side((r) => `${r.pipeline.logBacklogAtFinish.toLocaleString('en')} / ${r.pipeline.logDrainSeconds.toFixed(1)}`), ''],
        ['peak RSS, baseline', ...side((r) => mib(r.baseline.memory.peakRss), (r) => r.baseline.memory.peakRss), ''],
        ['  peak V8 heap used, baseline', ...side((r) => mib(r.baseline.memory.peakHeapUsed), (r) => r.baseline.memory.peakHeapUsed), ''],
        ['cores bench/pg/other, pipeline', ...side((r) => cores(r.pipeline.cores)), ''],
        ['cores bench/pg/other, baseline', ...side((r) => cores(r.baseline.cores)), ''],
        ['cores bench/pg/other, log drain', ...side((r) => (r.pipeline.logDrainSeconds >= 0.5 ? cores(r.pipeline.drainCores) : '–')), ''],
      ],
      true,
    ),
    ...(perRuntime.length > 1
      ? [`pipeline rows/s, ${RUNTIMES[perRuntime[0].runtime]} ÷ ${perRuntime.slice(1).map((r) => RUNTIMES[r.runtime]).join(', ')}: ${sizes.map((s) => `${size(s.rows)} ${s.runtimes.slice(1).map((r) => (s.runtimes[0].pipeline.rowsPerSecond / r.pipeline.rowsPerSecond).toFixed(2)).join(', ')}`).join('; ')}`]
      : []),
    ...(liveHeapRatio === null
      ? []
      : [`heap in use after a full GC (BENCH_PROFILE, ${RUNTIMES[first.runtime]}): ${liveHeaps.map((h) => `${size(h.rows)} ${mib(h.pipeline.peakLiveHeap)}`).join(', ')}; large/small ${liveHeapRatio.toFixed(2)}, ≤ ${MEMORY_GOAL}: ${liveHeapRatio <= MEMORY_GOAL ? 'met' : 'NOT met'}`]),
    'rows/s: rows read ÷ wall time (pipeline: the run\'s startedAt → finishedAt; baseline: read, encode, predict and decode',
    'by main and challenger through the same runtime). The run does not wait for the prediction log: its rows are written after it, in "drain".',
    `rows rejected by validation: ${sizes.map((s) => `${size(s.rows)}: ${s.runtimes.map((r) => `${RUNTIMES[r.runtime]} pipeline ${r.pipeline.rowsFailed}, baseline ${r.baseline.failed}`).join(', ')}`).join('; ')}; ` +
      `main predictions per label, pipeline file = baseline: ${small.runtimes.map((r) => `${RUNTIMES[r.runtime]} ${r.sameLabels === null ? '?' : r.sameLabels ? 'yes' : 'NO'}`).join(', ')}`,
    ...(contended.length > 0 ? [`OTHER WORK ON THE MACHINE during ${contended.join(', ')}: those figures are unreliable; run again on a quiet machine`] : []),
    ...diagnosticLines,
  ].join('\n');
}

runBench(main);
