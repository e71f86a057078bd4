import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { User } from '../server/auth/user.entity';
import { startBerth, type Berth } from '../server/berth';
import { loadConfig } from '../server/config';
import { seedDemo } from '../server/demo/seed';
import { vegaRecords } from '../server/demo/vega-datasets';
import { DeploymentAccess, type Deployment } from '../server/deployments/deployment.entity';
import { Experiment } from '../server/experiments/experiment.entity';
import { VersionStatus, type ExperimentVersion } from '../server/experiments/experiment-version.entity';
import { initTensorflow } from '../server/experiments/ml/tensorflow';
import { createLogger } from '../server/platform/logger';
import { createScratchDatabase, LOCAL_POSTGRES_URL, type ScratchDatabase } from '../server/platform/scratch-database';
import type { MicroBatcherCounters } from '../server/serving/micro-batcher';
import type { LoadReply, LoadRequest, LoadResult } from './load-generator';

/**
 * The prediction API under load, against a bare Fastify endpoint measured in the same run
 * (the ceiling): `npm run bench:serve`. A benchmark, not a test: it prints figures and ratios
 * and writes them to bench/results/; it asserts nothing.
 *
 * BENCH_SECONDS (5) per measured run, BENCH_WARMUP_SECONDS (1) before each, BENCH_CONNECTIONS
 * (1,8,32), BENCH_TARGETS (ceiling,main,challenger: fewer for a focused profile).
 */

type Target = 'ceiling' | 'main' | 'challenger';

const TARGET_LABELS: Record<Target, string> = {
  ceiling: 'ceiling (bare Fastify)',
  main: 'main only',
  challenger: 'main + challenger + log',
};

const ADMIN = { email: 'bench@berth.local', password: 'bench-password-123' };
const PREDICT_PATH = (slug: string) => `/api/v1/deployments/${slug}/predict`;

interface Settings {
  seconds: number;
  warmupSeconds: number;
  connections: number[];
  targets: Target[];
}

interface RunRecord {
  target: Target;
  label: string;
  connections: number;
  requestsPerSecond: number;
  /** Against the ceiling at the same connection count; null when the ceiling was not run. */
  ratioToCeiling: number | null;
  latencyMs: LoadResult['latency'];
  responses: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Share of the run the server's event loop was busy (load generator runs in another process). */
  eventLoopUtilization: number;
  /** CPU time of the server process (all its threads) per wall second: 1 = one core. */
  serverCores: number;
  /** Berth runs only: what the micro-batchers, challenger queue and prediction log did during the run. */
  serving?: {
    mainBatcher: MicroBatcherCounters & { rowsPerBatch: number };
    challengerBatcher?: MicroBatcherCounters & { rowsPerBatch: number };
    challenger?: { done: number; shed: number; failed: number };
    loggedRows: { main: number; challenger: number };
    /** How long the challenger queue and the log buffer took to drain after the run. */
    drainMs: number;
  };
}

function readSettings(): Settings {
  const number = (name: string, fallback: number) => {
    const raw = process.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!(Number.isFinite(value) && value > 0)) throw new Error(`${name} must be a positive number of seconds, got "${raw}"`);
    return value;
  };
  const connections = (process.env.BENCH_CONNECTIONS ?? '1,8,32').split(',').map((c) => Number(c.trim()));
  if (connections.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`BENCH_CONNECTIONS must be whole numbers ≥ 1 separated by commas, got "${process.env.BENCH_CONNECTIONS}"`);
  const targets = (process.env.BENCH_TARGETS ?? 'ceiling,main,challenger').split(',').map((t) => t.trim()) as Target[];
  if (targets.some((t) => !(t in TARGET_LABELS))) throw new Error(`BENCH_TARGETS must name some of ${Object.keys(TARGET_LABELS).join(', ')}, got "${process.env.BENCH_TARGETS}"`);
  return { seconds: number('BENCH_SECONDS', 5), warmupSeconds: process.env.BENCH_WARMUP_SECONDS === '0' ? 0 : number('BENCH_WARMUP_SECONDS', 1), connections, targets };
}

const step = (message: string) => console.log(`[bench] ${message}`);

async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The load generator in its own process, one run at a time. */
class LoadGenerator {
  private nextId = 1;
  private pending = new Map<number, { resolve: (result: LoadResult) => void; reject: (error: Error) => void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: LoadReply) => {
      const id = message.type === 'result' ? message.result.id : message.id;
      const waiting = this.pending.get(id);
      this.pending.delete(id);
      if (message.type === 'result') waiting?.resolve(message.result);
      else waiting?.reject(new Error(`load generator: ${message.message}`));
    });
    child.on('exit', (code) => {
      for (const waiting of this.pending.values()) waiting.reject(new Error(`the load generator exited with code ${code}`));
      this.pending.clear();
    });
  }

  static start(): LoadGenerator {
    const file = fileURLToPath(new URL('./load-generator.ts', import.meta.url));
    return new LoadGenerator(fork(file, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  run(request: Omit<LoadRequest, 'id'>): Promise<LoadResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...request, id } satisfies LoadRequest);
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

/** The best ready model of a version. */
async function bestModel(berth: Berth, version: ExperimentVersion): Promise<string> {
  const best = (await berth.services.experiments.models(version.id)).find((m) => m.isBest && m.status === 'ready');
  if (!best) throw new Error(`version ${version.number} has no ready best model`);
  return best.id;
}

/** A real row of the penguins data with every feature of `version`, and nothing else. */
function penguinRow(version: ExperimentVersion): Record<string, unknown> {
  const features = version.preprocessing!.features.map((f) => f.name);
  const record = vegaRecords('penguins').find((r) => features.every((f) => r[f] !== null && r[f] !== undefined && r[f] !== '.'));
  if (!record) throw new Error('no complete penguin row');
  return Object.fromEntries(features.map((f) => [f, record[f]]));
}

function withRowsPerBatch(counters: MicroBatcherCounters): MicroBatcherCounters & { rowsPerBatch: number } {
  return { ...counters, rowsPerBatch: counters.batches === 0 ? 0 : counters.rows / counters.batches };
}

function difference(after: MicroBatcherCounters, before: MicroBatcherCounters): MicroBatcherCounters {
  return { calls: after.calls - before.calls, batches: after.batches - before.batches, rows: after.rows - before.rows };
}

async function main(): Promise<void> {
  const settings = readSettings();
  const resources: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    for (const release of resources.splice(0).reverse()) await release().catch((error) => console.error('[bench] cleanup failed:', error));
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

  try {
    const serverUrl = process.env.DATABASE_URL ?? LOCAL_POSTGRES_URL;
    const database: ScratchDatabase = await createScratchDatabase(serverUrl, 'berth_bench');
    resources.push(() => database.drop());
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-data-'));
    resources.push(() => rm(dataDir, { recursive: true, force: true }));

    const config = loadConfig({
      DATABASE_URL: database.url,
      PORT: '0',
      BERTH_DATA_DIR: dataDir,
      BERTH_ADMIN_EMAIL: ADMIN.email,
      BERTH_ADMIN_PASSWORD: ADMIN.password,
      BERTH_CONSOLE: 'off',
      BERTH_DEMO: 'off',
      LOG_LEVEL: 'warn',
      BERTH_PREDICT_RATE_LIMIT: '100000000',
      BERTH_PROBE_INTERVAL_MS: '0',
      // Serving knobs pass through, to compare settings run against run.
      BERTH_BATCH_DELAY_MS: process.env.BERTH_BATCH_DELAY_MS,
      BERTH_CHALLENGER_QUEUE_ROWS: process.env.BERTH_CHALLENGER_QUEUE_ROWS,
    });
    step(`starting Berth on a scratch database (${new URL(database.url).pathname.slice(1)})`);
    const berth = await startBerth(config, { logger: createLogger(config.logLevel), jobsProcessEvery: 200 });
    resources.push(() => berth.close());
    const { services } = berth;

    step('training the demo models');
    const trainingStarted = performance.now();
    await seedDemo(services, ADMIN.email, berth.logger, { deploy: false });
    const experiment = await services.db.getRepository(Experiment).findOneByOrFail({ name: 'Penguins species' });
    const versions = await waitFor('the penguins models to train', 15 * 60_000, async () => {
      const all = await services.experiments.versions(experiment.id);
      return all.length >= 2 && all.every((v) => v.status !== VersionStatus.training) ? all : undefined;
    });
    const v1 = versions.find((v) => v.number === 1)!;
    const v2 = versions.find((v) => v.number === 2)!;
    for (const v of [v1, v2]) if (v.status !== VersionStatus.ready) throw new Error(`penguins version ${v.number} did not train: ${v.status}`);
    step(`trained in ${((performance.now() - trainingStarted) / 1000).toFixed(1)} s`);

    const admin = await services.db.getRepository(User).findOneByOrFail({ email: ADMIN.email });
    const deploy = async (name: string, challenger: boolean): Promise<Deployment> => {
      const deployment = await services.deployments.create(admin, {
        projectId: experiment.projectId,
        experimentId: experiment.id,
        name,
        mainModelId: await bestModel(berth, v2),
        challengerModelId: challenger ? await bestModel(berth, v1) : null,
        access: DeploymentAccess.public,
      });
      await waitFor(`${name} to be deployed`, 60_000, () => (services.registry.status(deployment.id).deployed ? true : undefined));
      return deployment;
    };
    const deployments: Record<Exclude<Target, 'ceiling'>, Deployment> = {
      main: await deploy('bench-main', false),
      challenger: await deploy('bench-challenger', true),
    };

    const body = JSON.stringify({ inputs: penguinRow(v2) });
    step(`request body: ${body}`);
    const answers: Record<string, unknown> = {};
    for (const [target, deployment] of Object.entries(deployments)) {
      const response = await fetch(`${berth.url}${PREDICT_PATH(deployment.slug)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await response.text();
      if (!response.ok) throw new Error(`${deployment.slug} answered HTTP ${response.status}: ${text}`);
      answers[target] = JSON.parse(text);
    }
    step(`response: ${JSON.stringify(answers.main)}`);

    // The ceiling: same process, same body parsing and limit, a constant answer of the same size.
    const ceiling: FastifyInstance = Fastify({ bodyLimit: config.limits.bodyBytes });
    const constant = answers.main;
    ceiling.post(PREDICT_PATH(':slug'), async () => constant);
    const ceilingUrl = await ceiling.listen({ host: '127.0.0.1', port: 0 });
    resources.push(() => ceiling.close());

    const { backend } = await initTensorflow();
    const machine = {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      tensorflowBackend: backend,
    };

    const generator = LoadGenerator.start();
    resources.push(async () => generator.stop());

    const urlOf = (target: Target) => (target === 'ceiling' ? `${ceilingUrl}${PREDICT_PATH('bench')}` : `${berth.url}${PREDICT_PATH(deployments[target].slug)}`);
    const batcherCounters = (target: Exclude<Target, 'ceiling'>) => {
      const serving = services.registry.bySlug(deployments[target].slug)?.slot.value;
      if (!serving) throw new Error(`${deployments[target].slug} is not serving`);
      return { main: serving.main.batcher.counters, challenger: serving.challenger?.batcher.counters };
    };
    const settle = async () => {
      const started = performance.now();
      await services.predictions.settle();
      await services.predictionLog.flush();
      return performance.now() - started;
    };
    const loggedRows = async (deployment: Deployment) => {
      const rows: Array<{ role: 'main' | 'challenger'; n: number }> = await services.db.query(
        'SELECT role, count(*)::int AS n FROM predictions WHERE deployment_id = $1 GROUP BY role',
        [deployment.id],
      );
      return { main: rows.find((r) => r.role === 'main')?.n ?? 0, challenger: rows.find((r) => r.role === 'challenger')?.n ?? 0 };
    };

    step(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.platform}, Node ${machine.node}, TF.js backend ${machine.tensorflowBackend}`);
    step(`runs: ${settings.seconds} s each after ${settings.warmupSeconds} s of warm-up, connections ${settings.connections.join(', ')}`);

    const runs: RunRecord[] = [];
    for (const connections of settings.connections) {
      for (const target of settings.targets) {
        const url = urlOf(target);
        if (settings.warmupSeconds > 0) await generator.run({ url, body, connections, seconds: settings.warmupSeconds });
        const berthTarget = target === 'ceiling' ? undefined : target;
        if (berthTarget) await settle();
        const countersBefore = berthTarget && batcherCounters(berthTarget);
        const challengerBefore = berthTarget && { ...(services.predictions.challengerCounters.get(deployments[berthTarget].id) ?? { done: 0, shed: 0, failed: 0 }) };
        const loggedBefore = berthTarget && (await loggedRows(deployments[berthTarget]));

        const elu = performance.eventLoopUtilization();
        const cpu = process.cpuUsage();
        const wallStarted = performance.now();
        const result = await generator.run({ url, body, connections, seconds: settings.seconds });
        const wallSeconds = (performance.now() - wallStarted) / 1000;
        const cpuUsed = process.cpuUsage(cpu);
        const record: RunRecord = {
          target,
          label: TARGET_LABELS[target],
          connections,
          requestsPerSecond: result.requestsPerSecond,
          ratioToCeiling: null,
          latencyMs: result.latency,
          responses: result.responses,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes: result.statusCodes,
          eventLoopUtilization: performance.eventLoopUtilization(elu).utilization,
          serverCores: (cpuUsed.user + cpuUsed.system) / 1e6 / wallSeconds,
        };
        if (berthTarget) {
          const drainMs = await settle();
          const after = batcherCounters(berthTarget);
          const challengerAfter = services.predictions.challengerCounters.get(deployments[berthTarget].id);
          const loggedAfter = await loggedRows(deployments[berthTarget]);
          record.serving = {
            mainBatcher: withRowsPerBatch(difference(after.main, countersBefore!.main)),
            ...(after.challenger && countersBefore!.challenger ? { challengerBatcher: withRowsPerBatch(difference(after.challenger, countersBefore!.challenger)) } : {}),
            ...(challengerAfter
              ? { challenger: { done: challengerAfter.done - challengerBefore!.done, shed: challengerAfter.shed - challengerBefore!.shed, failed: challengerAfter.failed - challengerBefore!.failed } }
              : {}),
            loggedRows: { main: loggedAfter.main - loggedBefore!.main, challenger: loggedAfter.challenger - loggedBefore!.challenger },
            drainMs,
          };
        }
        runs.push(record);
        const problems = record.non2xx + record.errors + record.timeouts;
        step(
          `${record.label.padEnd(24)} c=${String(connections).padStart(2)}  ${record.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${record.latencyMs.p50.toFixed(2)} ms  p99 ${record.latencyMs.p99.toFixed(2)} ms` +
            (problems > 0 ? `  WITH ERRORS: ${JSON.stringify({ non2xx: record.non2xx, errors: record.errors, timeouts: record.timeouts, statusCodes: record.statusCodes })}` : ''),
        );
      }
    }
    for (const run of runs) {
      const base = runs.find((r) => r.target === 'ceiling' && r.connections === run.connections);
      run.ratioToCeiling = base && base.requestsPerSecond > 0 ? run.requestsPerSecond / base.requestsPerSecond : null;
    }

    const at32 = (target: Target) => runs.find((r) => r.target === target && r.connections === 32);
    const targets = {
      note: 'from the issue, for information; not asserted',
      mainRatioAt32: { goal: 0.5, measured: at32('main')?.ratioToCeiling ?? null },
      challengerRatioAt32: { goal: 0.4, measured: at32('challenger')?.ratioToCeiling ?? null },
      p99MsAt32: { goal: 10, measured: { main: at32('main')?.latencyMs.p99 ?? null, challenger: at32('challenger')?.latencyMs.p99 ?? null } },
    };
    const date = new Date();
    const report = {
      benchmark: 'serve',
      date: date.toISOString(),
      machine,
      settings: { ...settings, batchDelayMs: config.serving.batchDelayMs, challengerQueueRows: config.serving.challengerQueueRows, body: JSON.parse(body) },
      runs,
      targets,
    };

    console.log('');
    console.log(formatTable(report.date, machine, runs));
    console.log('');
    console.log(formatServing(runs));
    console.log('');
    console.log(formatTargets(targets));

    const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
    await mkdir(resultsDir, { recursive: true });
    const json = `${JSON.stringify(report, null, 2)}\n`;
    const file = path.join(resultsDir, `serve-${report.date.replace(/[:.]/g, '-')}.json`);
    await writeFile(file, json);
    await writeFile(path.join(resultsDir, 'serve-latest.json'), json);
    console.log(`\nwritten: ${path.relative(process.cwd(), file)} (and serve-latest.json)`);
    if (runs.some((r) => r.non2xx + r.errors + r.timeouts > 0)) console.log('some runs had errors: their figures are not comparable');
  } finally {
    step('cleaning up (closing Berth, dropping the scratch database)');
    await cleanup();
  }
}

function formatTable(date: string, machine: { cpus: number; cpuModel: string; node: string; tensorflowBackend: string }, runs: RunRecord[]): string {
  const header = ['target', 'conns', 'req/s', 'p50 ms', 'p99 ms', '× ceiling', 'non-2xx/err', 'loop busy', 'cores'];
  const rows = runs.map((r) => [
    r.label,
    String(r.connections),
    r.requestsPerSecond.toFixed(0),
    r.latencyMs.p50.toFixed(2),
    r.latencyMs.p99.toFixed(2),
    r.ratioToCeiling === null ? '–' : r.ratioToCeiling.toFixed(2),
    r.non2xx + r.errors + r.timeouts === 0 ? '0' : `${r.non2xx}/${r.errors + r.timeouts} ERRORS`,
    `${(r.eventLoopUtilization * 100).toFixed(0)}%`,
    r.serverCores.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [
    `serve benchmark, ${date}: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, TF.js ${machine.tensorflowBackend}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}

function formatServing(runs: RunRecord[]): string {
  const lines = ['micro-batchers and log (per measured run):'];
  for (const r of runs) {
    if (!r.serving) continue;
    const s = r.serving;
    const batcher = (name: string, c: MicroBatcherCounters & { rowsPerBatch: number }) => `${name} ${c.calls} calls / ${c.batches} batches (${c.rowsPerBatch.toFixed(1)} rows/batch)`;
    const parts = [batcher('main', s.mainBatcher)];
    if (s.challengerBatcher) parts.push(batcher('challenger', s.challengerBatcher));
    if (s.challenger) parts.push(`challenger done ${s.challenger.done}, shed ${s.challenger.shed}, failed ${s.challenger.failed}`);
    parts.push(`logged ${s.loggedRows.main} main + ${s.loggedRows.challenger} challenger rows, drained in ${s.drainMs.toFixed(0)} ms`);
    lines.push(`  ${r.label} c=${r.connections}: ${parts.join('; ')}`);
  }
  return lines.join('\n');
}

function formatTargets(targets: {
  mainRatioAt32: { goal: number; measured: number | null };
  challengerRatioAt32: { goal: number; measured: number | null };
  p99MsAt32: { goal: number; measured: { main: number | null; challenger: number | null } };
}): string {
  const mark = (ok: boolean | null) => (ok === null ? 'not run' : ok ? 'met' : 'NOT met');
  const ratio = (t: { goal: number; measured: number | null }) => `${t.measured === null ? '–' : t.measured.toFixed(2)} (goal ≥ ${t.goal}: ${mark(t.measured === null ? null : t.measured >= t.goal)})`;
  const p99 = targets.p99MsAt32;
  const p99s = [p99.measured.main, p99.measured.challenger].filter((v): v is number => v !== null);
  return [
    'targets of the issue at 32 connections (information, not asserted):',
    `  main only / ceiling           ${ratio(targets.mainRatioAt32)}`,
    `  main + challenger / ceiling   ${ratio(targets.challengerRatioAt32)}`,
    `  p99 main, challenger          ${p99s.map((v) => `${v.toFixed(2)} ms`).join(', ') || '–'} (goal ≤ ${p99.goal} ms: ${mark(p99s.length === 0 ? null : p99s.every((v) => v <= p99.goal))})`,
  ].join('\n');
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error('[bench] failed:', error);
    process.exit(1);
  },
);
