import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { InstanceRole } from '../server/auth/user.entity';
import { vegaRecords } from '../server/demo/vega-datasets';
import { ProjectRole } from '../server/projects/collaborator.entity';
import { DeploymentAccess, type Deployment } from '../server/deployments/deployment.entity';
import type { ExperimentVersion } from '../server/experiments/experiment-version.entity';
import { initTensorflow } from '../server/ml/tensorflow';
import { codecFor, configureRuntimes, runtimeFor } from '../server/ml/runtimes';
import type { Berth } from '../server/berth';
import type { Experiment } from '../server/experiments/experiment.entity';
import type { User } from '../server/auth/user.entity';
import { byoContract, byoFiles } from '../test/support/byo';
import type { MicroBatcherCounters } from '../server/serving/micro-batcher';
import type { LoadReply, LoadRequest, LoadResult } from './load-generator';
import { bestModel, codeVersion, CONTENDED_CORES, runBench, startBenchBerth, step, trainPenguins, waitFor, withCores, type Resources } from './support';

/**
 * The prediction API under load, against a bare Fastify endpoint measured in the same run
 * (the ceiling): `npm run bench:serve`. A benchmark, not a test: it prints figures and ratios
 * and writes them to bench/results/; it asserts nothing.
 *
 * BENCH_SECONDS (5) per measured run; BENCH_WARMUP_SECONDS (1) before the first round of each
 * target; BENCH_ROUNDS (3) interleaved rounds of every target, medians reported (a shared
 * machine drifts: a ratio is taken within a round, between runs seconds apart);
 * BENCH_CONNECTIONS (1,8,32); BENCH_TARGETS (ceiling,main,key,token,challenger: fewer for a profile; key is main only on a project-access deployment, called with an API key; token the same called by a project viewer's personal access token).
 * BENCH_LOG=off (diagnostic): the prediction log's record() is replaced by a no-op from the bench
 * (server code unchanged), to measure what logging costs; results then say so.
 */

type Target = 'ceiling' | 'main' | 'key' | 'token' | 'challenger' | 'onnx-main' | 'onnx-challenger' | 'pytorch' | 'pytorch-challenger';
type BerthTarget = Exclude<Target, 'ceiling'>;

const TARGET_LABELS: Record<Target, string> = {
  ceiling: 'ceiling (bare Fastify)',
  main: 'main only',
  key: 'main only, with API key',
  token: 'main only, project access, personal access token',
  challenger: 'main + challenger + log',
  'onnx-main': 'ONNX Runtime: main only',
  'onnx-challenger': 'ONNX Runtime: main + challenger + log',
  pytorch: 'PyTorch (imported ONNX): main only',
  'pytorch-challenger': 'PyTorch (imported ONNX): main + challenger + log',
};

/** The runtime each target's deployment is served by: TF.js targets keep the figures comparable with earlier runs. */
const TARGET_RUNTIME: Record<Target, 'none' | 'tfjs' | 'onnx'> = {
  ceiling: 'none',
  main: 'tfjs',
  key: 'tfjs',
  token: 'tfjs',
  challenger: 'tfjs',
  'onnx-main': 'onnx',
  'onnx-challenger': 'onnx',
  pytorch: 'onnx',
  'pytorch-challenger': 'onnx',
};

const PREDICT_PATH = (slug: string) => `/api/v1/deployments/${slug}/predict`;

interface Settings {
  /** false: the prediction log switched off from the bench (diagnostic). */
  log: boolean;
  seconds: number;
  warmupSeconds: number;
  rounds: number;
  connections: number[];
  targets: Target[];
}

type Counters = MicroBatcherCounters & { rowsPerBatch: number };

/** One measured run of one target. */
interface Round {
  requestsPerSecond: number;
  /** Against the ceiling of the same round; null when the ceiling was not run. */
  ratioToCeiling: number | null;
  latencyMs: LoadResult['latency'];
  responses: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Share of the run the server's event loop was busy. */
  eventLoopUtilization: number;
  /**
   * CPU per wall second (1 = one core): the server process (all its threads), the load
   * generator, the PostgreSQL backends of the scratch database (null when PostgreSQL is not
   * local), the whole machine (other work on it included).
   */
  cores: { server: number; loadGenerator: number; postgres: number | null; machine: number; other: number };
  /** Berth runs only: what the micro-batchers, challenger queue and prediction log did. */
  serving?: {
    mainBatcher: Counters;
    challengerBatcher?: Counters;
    challenger?: { done: number; shed: number; failed: number };
    loggedRows: { main: number; challenger: number };
    /** How long the challenger queue and the log buffer took to drain after the run. */
    drainMs: number;
  };
}

/** A target at a connection count: medians over the rounds, and the rounds themselves. */
interface Summary {
  target: Target;
  label: string;
  connections: number;
  requestsPerSecond: number;
  requestsPerSecondRange: [number, number];
  ratioToCeiling: number | null;
  p50Ms: number;
  p99Ms: number;
  /** Summed over the rounds. */
  non2xx: number;
  errors: number;
  timeouts: number;
  eventLoopUtilization: number;
  cores: Round['cores'];
  rounds: Round[];
}

function readSettings(): Settings {
  const positive = (name: string, fallback: number, whole = false) => {
    const raw = process.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!(Number.isFinite(value) && value > 0 && (!whole || Number.isInteger(value)))) throw new Error(`${name} must be a positive ${whole ? 'whole number' : 'number'}, got "${raw}"`);
    return value;
  };
  const connections = (process.env.BENCH_CONNECTIONS ?? '1,8,32').split(',').map((c) => Number(c.trim()));
  if (connections.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`BENCH_CONNECTIONS must be whole numbers ≥ 1 separated by commas, got "${process.env.BENCH_CONNECTIONS}"`);
  const targets = (process.env.BENCH_TARGETS ?? 'ceiling,main,key,token,challenger,onnx-main,onnx-challenger,pytorch,pytorch-challenger').split(',').map((t) => t.trim()) as Target[];
  if (targets.some((t) => !(t in TARGET_LABELS))) throw new Error(`BENCH_TARGETS must name some of ${Object.keys(TARGET_LABELS).join(', ')}, got "${process.env.BENCH_TARGETS}"`);
  const log = process.env.BENCH_LOG ?? 'on';
  if (log !== 'on' && log !== 'off') throw new Error(`BENCH_LOG must be on or off, got "${log}"`);
  return {
    log: log === 'on',
    seconds: positive('BENCH_SECONDS', 5),
    warmupSeconds: process.env.BENCH_WARMUP_SECONDS?.trim() === '0' ? 0 : positive('BENCH_WARMUP_SECONDS', 1),
    rounds: positive('BENCH_ROUNDS', 3, true),
    connections,
    targets,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
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

  /** On the server's event loop, autocannon would take turns with the server it measures. */
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

/** A real row of the penguins data with every feature of `version`, and nothing else. */
const RUNTIME_COST_REPEATS = 200;

interface RuntimeCost {
  runtime: string;
  model: string;
  /** Microseconds per row of one model call on 1 row, and on 1 000 rows. */
  microsPerRowAt1: number;
  microsPerRowAt1000: number;
}

/** Imports the PyTorch penguins fixture (test/fixtures/byo) through the same upload and import as the API. */
async function importPytorch(berth: Berth, experiment: Experiment, v2: ExperimentVersion, admin: User): Promise<string> {
  const { services } = berth;
  const upload = await services.experiments.uploadModelFiles(experiment.projectId, admin.id, byoFiles('penguins.pytorch'));
  const version = await services.experiments.importVersion(experiment, admin.id, { datasetId: v2.datasetId!, modelUploadId: upload.id, modelName: 'pytorch', contract: byoContract('penguins.pytorch') });
  const [model] = await services.experiments.models(version.id);
  if (!model) throw new Error('the PyTorch import made no model');
  return model.id;
}

/** What one model call costs per row on each runtime, outside HTTP: TF.js and ONNX Runtime on the same Berth-trained model, and the PyTorch export. */
async function rawRuntimeCost(berth: Berth, v2: ExperimentVersion, pytorchModelId: string): Promise<RuntimeCost[]> {
  const { services } = berth;
  const rows = vegaRecords('penguins').filter((r) => r.Species !== null && r.Species !== undefined);
  const many = Array.from({ length: 1000 }, (_, i) => rows[i % rows.length]!);
  const features = new Set(v2.preprocessing!.features.map((f) => f.name));
  const only = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).filter(([k]) => features.has(k)));
  const results: RuntimeCost[] = [];
  const models: Array<{ id: string; runtime: 'tfjs' | 'onnx'; label: string }> = [
    { id: await bestModel(berth, v2), runtime: 'tfjs', label: 'Berth-trained (penguins v2 best)' },
    { id: await bestModel(berth, v2), runtime: 'onnx', label: 'Berth-trained (penguins v2 best)' },
    { id: pytorchModelId, runtime: 'onnx', label: 'PyTorch import' },
  ];
  for (const entry of models) {
    const model = await services.experiments.model(entry.id);
    const version = await services.experiments.version(model.versionId);
    configureRuntimes({ prefer: entry.runtime });
    const runtime = runtimeFor(model, async () => Promise.all(model.files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await services.experiments.modelFile(model, f.name)) }))));
    await runtime.load();
    const codec = codecFor(version.preprocessing!, model.contract);
    const one = codec.encode([only(penguinRow(v2))]).batch;
    const thousand = codec.encode(many.map(only), { mode: 'best_effort' }).batch;
    const time = async (batch: typeof one, rowsPerCall: number) => {
      for (let i = 0; i < 20; i++) await runtime.predict(batch);
      const samples: number[] = [];
      for (let i = 0; i < RUNTIME_COST_REPEATS; i++) {
        const started = performance.now();
        await runtime.predict(batch);
        samples.push(((performance.now() - started) * 1000) / rowsPerCall);
      }
      return median(samples);
    };
    results.push({ runtime: runtime.describe().platform, model: entry.label, microsPerRowAt1: await time(one, 1), microsPerRowAt1000: await time(thousand, thousand.rows) });
    runtime.unload();
  }
  configureRuntimes({ prefer: berth.config.serving.runtime });
  return results;
}

function formatRuntimeCost(costs: RuntimeCost[]): string {
  return costs.map((c) => `${c.model} on ${c.runtime}: ${c.microsPerRowAt1.toFixed(1)} µs/row at 1 row, ${c.microsPerRowAt1000.toFixed(2)} µs/row at 1000 rows`).join('; ');
}

function penguinRow(version: ExperimentVersion): Record<string, unknown> {
  const features = version.preprocessing!.features.map((f) => f.name);
  const record = vegaRecords('penguins').find((r) => features.every((f) => r[f] !== null && r[f] !== undefined && r[f] !== '.'));
  if (!record) throw new Error('no complete penguin row');
  return Object.fromEntries(features.map((f) => [f, record[f]]));
}

function counters(after: MicroBatcherCounters, before: MicroBatcherCounters): Counters {
  const calls = after.calls - before.calls;
  const batches = after.batches - before.batches;
  const rows = after.rows - before.rows;
  return { calls, batches, rows, rowsPerBatch: batches === 0 ? 0 : rows / batches };
}

async function main(resources: Resources): Promise<void> {
  const settings = readSettings();

  try {
    const { berth, localPostgres } = await startBenchBerth(resources, {
      env: {
        BERTH_PREDICT_RATE_LIMIT: '100000000',
        // Serving knobs pass through, to compare settings run against run.
        BERTH_BATCH_DELAY_MS: process.env.BERTH_BATCH_DELAY_MS,
        BERTH_CHALLENGER_QUEUE_ROWS: process.env.BERTH_CHALLENGER_QUEUE_ROWS,
        BERTH_CHALLENGER_BATCH_MS: process.env.BERTH_CHALLENGER_BATCH_MS,
      },
    });
    const { config, services } = berth;
    if (!settings.log) services.predictionLog.record = () => undefined;
    const { experiment, v1, v2, admin } = await trainPenguins(berth);
    const deploy = async (name: string, challenger: boolean, access = DeploymentAccess.public, mainModelId?: string): Promise<Deployment> => {
      const deployment = await services.deployments.create(admin, {
        projectId: experiment.projectId,
        experimentId: experiment.id,
        name,
        mainModelId: mainModelId ?? (await bestModel(berth, v2)),
        challengerModelId: challenger ? await bestModel(berth, v1) : null,
        access,
      });
      await waitFor(`${name} to be deployed`, 60_000, () => (services.registry.status(deployment.id).deployed ? true : undefined));
      return deployment;
    };
    // Both runtimes in one process, so their ratios share a ceiling: the preference is read when a
    // deployment's runtimes are built, so TF.js deployments are made under `tfjs`, ONNX ones under `onnx`.
    configureRuntimes({ prefer: 'tfjs' });
    const tfjsDeployments = {
      main: await deploy('bench-main', false),
      // Project access: every request is checked against the deployment's keys.
      key: await deploy('bench-key', false, DeploymentAccess.project),
      // Project access as well, called by a collaborator (not an instance admin, whose role needs no lookup).
      token: await deploy('bench-token', false, DeploymentAccess.project),
      challenger: await deploy('bench-challenger', true),
    };
    configureRuntimes({ prefer: 'onnx' });
    const pytorchModelId = await importPytorch(berth, experiment, v2, admin);
    const deployments: Record<BerthTarget, Deployment> = {
      ...tfjsDeployments,
      'onnx-main': await deploy('bench-onnx-main', false),
      'onnx-challenger': await deploy('bench-onnx-challenger', true),
      pytorch: await deploy('bench-pytorch', false, DeploymentAccess.public, pytorchModelId),
      'pytorch-challenger': await deploy('bench-pytorch-challenger', true, DeploymentAccess.public, pytorchModelId),
    };
    configureRuntimes({ prefer: config.serving.runtime });
    for (const [target, deployment] of Object.entries(deployments) as Array<[BerthTarget, Deployment]>) {
      const platform = services.registry.bySlug(deployment.slug)?.slot.value?.main.runtime.describe().platform;
      const expected = TARGET_RUNTIME[target] === 'onnx' ? 'onnxruntime_onnx' : 'tensorflowjs_layers';
      if (platform !== expected) throw new Error(`${deployment.slug} is served by ${platform}, expected ${expected}`);
    }
    const runtimeCost = await rawRuntimeCost(berth, v2, pytorchModelId);
    step(`raw runtime cost per row (model call only, no HTTP): ${formatRuntimeCost(runtimeCost)}`);
    const { key: apiKey } = await services.deployments.createApiKey(admin, deployments.key.id, 'bench');
    const member = { email: 'bench-member@berth.local', password: 'bench-member-password-1' };
    await services.auth.createUser({ ...member, name: 'Bench member', role: InstanceRole.member });
    await services.projects.addCollaborator(experiment.projectId, member.email, ProjectRole.viewer);
    const session = await services.auth.login(member.email, member.password);
    const { token: personalToken } = await services.auth.createPersonalToken((await services.auth.authenticate(session.token))!, 'bench', null);
    const headersOf = (target: Target): Record<string, string> =>
      target === 'key' ? { 'x-api-key': apiKey } : target === 'token' ? { authorization: `Bearer ${personalToken}` } : {};

    const body = JSON.stringify({ inputs: penguinRow(v2) });
    step(`request body: ${body}`);
    const answers: Record<string, unknown> = {};
    for (const [target, deployment] of Object.entries(deployments) as Array<[BerthTarget, Deployment]>) {
      const response = await fetch(`${berth.url}${PREDICT_PATH(deployment.slug)}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headersOf(target) }, body });
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
    const batcherCounters = (target: BerthTarget) => {
      const serving = services.registry.bySlug(deployments[target].slug)?.slot.value;
      if (!serving) throw new Error(`${deployments[target].slug} is not serving`);
      return { main: serving.main.batcher.counters, challenger: serving.challenger?.batcher.counters };
    };
    const challengerCounters = (target: BerthTarget) => ({ ...(services.predictions.challengerCounters.get(deployments[target].id) ?? { done: 0, shed: 0, failed: 0 }) });
    const settle = async () => {
      const started = performance.now();
      await services.predictions.settle();
      await services.predictionLog.flush();
      return performance.now() - started;
    };
    const loggedRows = async (target: BerthTarget) => {
      const rows: Array<{ role: 'main' | 'challenger'; n: number }> = await services.db.query(
        'SELECT role, count(*)::int AS n FROM predictions WHERE deployment_id = $1 GROUP BY role',
        [deployments[target].id],
      );
      return { main: rows.find((r) => r.role === 'main')?.n ?? 0, challenger: rows.find((r) => r.role === 'challenger')?.n ?? 0 };
    };

    /** One measured run; Berth's background work (challenger, log) is drained before and after it. */
    const measure = async (target: Target, connections: number): Promise<Round> => {
      const berthTarget = target === 'ceiling' ? undefined : target;
      if (berthTarget) await settle();
      const before = berthTarget && { batchers: batcherCounters(berthTarget), challenger: challengerCounters(berthTarget), logged: await loggedRows(berthTarget) };

      const {
        value: { result, loop },
        cores,
        machine: machineCores,
      } = await withCores(berth, localPostgres, async () => {
        const elu = performance.eventLoopUtilization();
        const result = await generator.run({ url: urlOf(target), body, headers: headersOf(target), connections, seconds: settings.seconds });
        return { result, loop: performance.eventLoopUtilization(elu).utilization };
      });
      const round: Round = {
        requestsPerSecond: result.requestsPerSecond,
        ratioToCeiling: null,
        latencyMs: result.latency,
        responses: result.responses,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        statusCodes: result.statusCodes,
        eventLoopUtilization: loop,
        cores: {
          server: cores.bench,
          loadGenerator: result.cores,
          postgres: cores.postgres,
          machine: machineCores,
          other: Math.max(0, machineCores - cores.bench - result.cores - (cores.postgres ?? 0)),
        },
      };
      if (berthTarget && before) {
        const drainMs = await settle();
        const batchers = batcherCounters(berthTarget);
        const challenger = challengerCounters(berthTarget);
        const logged = await loggedRows(berthTarget);
        round.serving = {
          mainBatcher: counters(batchers.main, before.batchers.main),
          ...(batchers.challenger && before.batchers.challenger ? { challengerBatcher: counters(batchers.challenger, before.batchers.challenger) } : {}),
          ...(berthTarget === 'challenger'
            ? { challenger: { done: challenger.done - before.challenger.done, shed: challenger.shed - before.challenger.shed, failed: challenger.failed - before.challenger.failed } }
            : {}),
          loggedRows: { main: logged.main - before.logged.main, challenger: logged.challenger - before.logged.challenger },
          drainMs,
        };
      }
      return round;
    };

    step(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.platform}, Node ${machine.node}, TF.js backend ${machine.tensorflowBackend}`);
    step(
      `${settings.rounds} round(s) of ${settings.seconds} s runs (${settings.warmupSeconds} s warm-up before the first), connections ${settings.connections.join(', ')}, batch delay ${config.serving.batchDelayMs} ms`,
    );

    const summaries: Summary[] = [];
    for (const connections of settings.connections) {
      const rounds = new Map<Target, Round[]>(settings.targets.map((t) => [t, []]));
      for (let r = 0; r < settings.rounds; r++) {
        for (const target of settings.targets) {
          if (r === 0 && settings.warmupSeconds > 0) await generator.run({ url: urlOf(target), body, headers: headersOf(target), connections, seconds: settings.warmupSeconds });
          const round = await measure(target, connections);
          rounds.get(target)!.push(round);
          const base = rounds.get('ceiling')?.[r];
          if (base && base.requestsPerSecond > 0) round.ratioToCeiling = round.requestsPerSecond / base.requestsPerSecond;
          const problems = round.non2xx + round.errors + round.timeouts;
          step(
            `c=${String(connections).padStart(2)} round ${r + 1}  ${TARGET_LABELS[target].padEnd(24)} ${round.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${round.latencyMs.p50.toFixed(2)} ms  p99 ${round.latencyMs.p99.toFixed(2)} ms` +
              (round.ratioToCeiling !== null && target !== 'ceiling' ? `  × ceiling ${round.ratioToCeiling.toFixed(2)}` : '') +
              `  cores: server ${round.cores.server.toFixed(2)} generator ${round.cores.loadGenerator.toFixed(2)} postgres ${round.cores.postgres?.toFixed(2) ?? '?'} other ${round.cores.other.toFixed(2)}` +
              (problems > 0 ? `  WITH ERRORS: ${JSON.stringify({ non2xx: round.non2xx, errors: round.errors, timeouts: round.timeouts, statusCodes: round.statusCodes })}` : ''),
          );
        }
      }
      for (const target of settings.targets) {
        const runs = rounds.get(target)!;
        const ratios = runs.map((r) => r.ratioToCeiling).filter((r): r is number => r !== null);
        const rps = runs.map((r) => r.requestsPerSecond);
        summaries.push({
          target,
          label: TARGET_LABELS[target],
          connections,
          requestsPerSecond: median(rps),
          requestsPerSecondRange: [Math.min(...rps), Math.max(...rps)],
          ratioToCeiling: ratios.length === runs.length ? median(ratios) : null,
          p50Ms: median(runs.map((r) => r.latencyMs.p50)),
          p99Ms: median(runs.map((r) => r.latencyMs.p99)),
          non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
          errors: runs.reduce((sum, r) => sum + r.errors, 0),
          timeouts: runs.reduce((sum, r) => sum + r.timeouts, 0),
          eventLoopUtilization: median(runs.map((r) => r.eventLoopUtilization)),
          cores: {
            server: median(runs.map((r) => r.cores.server)),
            loadGenerator: median(runs.map((r) => r.cores.loadGenerator)),
            postgres: runs.every((r) => r.cores.postgres !== null) ? median(runs.map((r) => r.cores.postgres!)) : null,
            machine: median(runs.map((r) => r.cores.machine)),
            other: median(runs.map((r) => r.cores.other)),
          },
          rounds: runs,
        });
      }
    }

    const at32 = (target: Target) => summaries.find((s) => s.target === target && s.connections === 32);
    const targets = {
      note: 'from the issue, for information; not asserted',
      mainRatioAt32: { goal: 0.5, measured: at32('main')?.ratioToCeiling ?? null },
      challengerRatioAt32: { goal: 0.4, measured: at32('challenger')?.ratioToCeiling ?? null },
      p99MsAt32: { goal: 10, measured: { main: at32('main')?.p99Ms ?? null, challenger: at32('challenger')?.p99Ms ?? null } },
    };
    const report = {
      benchmark: 'serve',
      date: new Date().toISOString(),
      code: codeVersion(),
      machine,
      settings: { ...settings, batchDelayMs: config.serving.batchDelayMs, challengerQueueRows: config.serving.challengerQueueRows, challengerBatchMs: config.serving.challengerBatchMs, body: JSON.parse(body) },
      results: summaries,
      runtimeCost,
      targets,
    };

    console.log('');
    console.log(formatTable(report.date, report.code, machine, report.settings, summaries));
    console.log('');
    console.log(formatServing(summaries));
    console.log('');
    console.log(formatTargets(targets));
    console.log('');
    console.log(`raw runtime cost per row (model call only, median of ${RUNTIME_COST_REPEATS} calls): ${formatRuntimeCost(runtimeCost)}`);

    const resultsDir = fileURLToPath(new URL('./results', import.meta.url));
    await mkdir(resultsDir, { recursive: true });
    const json = `${JSON.stringify(report, null, 2)}\n`;
    const file = path.join(resultsDir, `serve-${report.date.replace(/[:.]/g, '-')}.json`);
    await writeFile(file, json);
    await writeFile(path.join(resultsDir, 'serve-latest.json'), json);
    console.log(`\nwritten: ${path.relative(process.cwd(), file)} (and serve-latest.json)`);
    if (summaries.some((s) => s.non2xx + s.errors + s.timeouts > 0)) console.log('SOME RUNS HAD ERRORS: their figures are not comparable');
    const contended = summaries.flatMap((s) => s.rounds).filter((r) => r.cores.other > CONTENDED_CORES);
    if (contended.length > 0) {
      console.log(
        `OTHER WORK ON THE MACHINE during ${contended.length} run(s) (up to ${Math.max(...contended.map((r) => r.cores.other)).toFixed(2)} cores): ` +
          'these figures are unreliable; run again on a quiet machine',
      );
    }
  } finally {
    step('cleaning up (closing Berth, dropping the scratch database)');
  }
}

function formatTable(
  date: string,
  code: { commit: string; uncommitted: string[] } | null,
  machine: { cpus: number; cpuModel: string; node: string; tensorflowBackend: string },
  settings: Settings & { batchDelayMs: number },
  summaries: Summary[],
): string {
  const header = ['target', 'conns', 'req/s', 'min–max', 'p50 ms', 'p99 ms', '× ceiling', 'non-2xx/err', 'loop busy', 'cores srv/gen/pg/other'];
  const rows = summaries.map((s) => [
    s.label,
    String(s.connections),
    s.requestsPerSecond.toFixed(0),
    `${s.requestsPerSecondRange[0].toFixed(0)}–${s.requestsPerSecondRange[1].toFixed(0)}`,
    s.p50Ms.toFixed(2),
    s.p99Ms.toFixed(2),
    s.ratioToCeiling === null ? '–' : s.ratioToCeiling.toFixed(2),
    s.non2xx + s.errors + s.timeouts === 0 ? '0' : `${s.non2xx}/${s.errors + s.timeouts} ERRORS`,
    `${(s.eventLoopUtilization * 100).toFixed(0)}%`,
    [s.cores.server, s.cores.loadGenerator, s.cores.postgres, s.cores.other].map((c) => (c === null ? '?' : c.toFixed(2))).join('/'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [
    `serve benchmark, ${date}: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, TF.js ${machine.tensorflowBackend}, batch delay ${settings.batchDelayMs} ms`,
    `medians of ${settings.rounds} interleaved round(s) of ${settings.seconds} s; × ceiling: median of the per-round ratios`,
    code ? `code: ${code.commit.slice(0, 10)}${code.uncommitted.length > 0 ? ` + uncommitted changes to ${code.uncommitted.join(', ')}` : ''}` : 'code: unknown (not a git checkout)',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    settings.log
      ? 'Berth logs every API prediction (main only included). loop busy: event-loop utilization of the server.'
      : 'DIAGNOSTIC RUN: the prediction log was switched off from the bench (BENCH_LOG=off). loop busy: event-loop utilization of the server.',
    'cores: CPU per second of the server process, the load generator (its own process), the PostgreSQL backends of the',
    'scratch database (? when not local), and everything else on the machine (noise: should be near 0).',
  ].join('\n');
}

function formatServing(summaries: Summary[]): string {
  const lines = ['micro-batchers and log (all rounds):'];
  const sum = (list: Counters[]): Counters => {
    const calls = list.reduce((s, c) => s + c.calls, 0);
    const batches = list.reduce((s, c) => s + c.batches, 0);
    const rows = list.reduce((s, c) => s + c.rows, 0);
    return { calls, batches, rows, rowsPerBatch: batches === 0 ? 0 : rows / batches };
  };
  for (const s of summaries) {
    const serving = s.rounds.map((r) => r.serving).filter((v) => v !== undefined);
    if (serving.length === 0) continue;
    const batcher = (name: string, c: Counters) => `${name} ${c.calls} calls / ${c.batches} batches (${c.rowsPerBatch.toFixed(1)} rows/batch)`;
    const parts = [batcher('main', sum(serving.map((v) => v.mainBatcher)))];
    const challengers = serving.map((v) => v.challengerBatcher).filter((v) => v !== undefined);
    if (challengers.length > 0) parts.push(batcher('challenger', sum(challengers)));
    const queue = serving.map((v) => v.challenger).filter((v) => v !== undefined);
    if (queue.length > 0) {
      parts.push(`challenger done ${queue.reduce((n, q) => n + q.done, 0)}, shed ${queue.reduce((n, q) => n + q.shed, 0)}, failed ${queue.reduce((n, q) => n + q.failed, 0)}`);
    }
    const logged = serving.reduce((n, v) => ({ main: n.main + v.loggedRows.main, challenger: n.challenger + v.loggedRows.challenger }), { main: 0, challenger: 0 });
    parts.push(`logged ${logged.main} main + ${logged.challenger} challenger rows, drained in ≤ ${Math.max(...serving.map((v) => v.drainMs)).toFixed(0)} ms`);
    lines.push(`  ${s.label} c=${s.connections}: ${parts.join('; ')}`);
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

runBench(main);
