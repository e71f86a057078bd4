import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { User } from '../server/auth/user.entity';
import { startBerth, type Berth } from '../server/berth';
import { loadConfig } from '../server/config';
import { seedDemo } from '../server/demo/seed';
import { DeploymentAccess, type Deployment } from '../server/deployments/deployment.entity';
import { Experiment } from '../server/experiments/experiment.entity';
import { VersionStatus, type ExperimentVersion } from '../server/experiments/experiment-version.entity';
import { createLogger } from '../server/platform/logger';
import { createScratchDatabase, LOCAL_POSTGRES_URL } from '../server/platform/scratch-database';
import type { ServingSet } from '../server/serving/deployment-registry';

/**
 * What the in-process benchmarks (bench/monitoring.ts, bench/batch.ts, bench/serve.ts) share: Berth on a
 * scratch database with the demo models trained and penguins deployed with a challenger,
 * settings from the environment, CPU accounting, and the code version measured.
 */

export const ADMIN = { email: 'bench@berth.local', password: 'bench-password-123' };
/** CPU used by other processes than this one and its database beyond which a run is flagged. */
export const CONTENDED_CORES = 0.25;

export const step = (message: string) => console.log(`[bench] ${message}`);

/** A whole number > 0 from the environment variable `name` (underscores allowed: 1_000_000), else `fallback`. */
export function positiveSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!(Number.isInteger(value) && value > 0)) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return value;
}

export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Busy CPU time of the whole machine so far, in seconds (all cores). */
function machineBusySeconds(): number {
  return os.cpus().reduce((sum, cpu) => sum + (cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq) / 1000, 0);
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds used so far by each local process in `pids` (those that cannot be read are left out). */
async function processSeconds(pids: number[]): Promise<Map<number, number>> {
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      seconds.set(pid, (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS);
    } catch {
      // Not on this machine, or gone.
    }
  }
  return seconds;
}

/** The commit measured, and the server files that differ from it (figures of a dirty tree are not the commit's). */
export function codeVersion(): { commit: string; uncommitted: string[] } | null {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const uncommitted = git('status', '--porcelain', '--', 'server', 'migrations', 'package-lock.json')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => line.slice(3));
    return { commit: git('rev-parse', 'HEAD').trim(), uncommitted };
  } catch {
    return null;
  }
}

/** CPU per wall second (1 = one core) of this process, the PostgreSQL backends of the scratch database, and everything else. */
export interface Cores {
  bench: number;
  postgres: number | null;
  other: number;
}

/**
 * Measures CPU of this process, the scratch database's backends and the rest of the machine over
 * `work`; `machine` is the busy CPU per wall second of the whole machine (all its work included).
 */
export async function withCores<T>(berth: Berth, localPostgres: boolean, work: () => Promise<T>): Promise<{ value: T; cores: Cores; seconds: number; machine: number }> {
  const backends = async (): Promise<number[]> =>
    localPostgres ? ((await berth.services.db.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')) as Array<{ pid: number }>).map((r) => r.pid) : [];
  const postgresBefore = await processSeconds(await backends());
  const cpu = process.cpuUsage();
  const busy = machineBusySeconds();
  const started = performance.now();
  const value = await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const machine = (machineBusySeconds() - busy) / seconds;
  const postgresAfter = await processSeconds([...new Set([...postgresBefore.keys(), ...(await backends())])]);
  const postgres = postgresBefore.size === 0 ? null : [...postgresAfter].reduce((sum, [pid, s]) => sum + s - (postgresBefore.get(pid) ?? 0), 0) / seconds;
  const bench = (used.user + used.system) / 1e6 / seconds;
  return { value, seconds, machine, cores: { bench, postgres, other: Math.max(0, machine - bench - (postgres ?? 0)) } };
}

/** The best ready model of a version. */
export async function bestModel(berth: Berth, version: ExperimentVersion): Promise<string> {
  const best = (await berth.services.experiments.models(version.id)).find((m) => m.isBest && m.status === 'ready');
  if (!best) throw new Error(`version ${version.number} has no ready best model`);
  return best.id;
}

/** Releases, run in reverse order by the bench's cleanup (the scratch database is the first). */
export type Resources = Array<() => Promise<unknown>>;

/**
 * Runs a benchmark's main, then releases what it acquired, also on Ctrl-C; exits 0, 1 when it
 * failed, 130 when interrupted.
 */
export function runBench(main: (resources: Resources) => Promise<void>): void {
  const resources: Resources = [];
  const cleanup = async () => {
    for (const release of resources.splice(0).reverse()) await release().catch((error) => console.error('[bench] cleanup failed:', error));
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  main(resources)
    .finally(cleanup)
    .then(
      () => process.exit(0),
      (error) => {
        console.error('[bench] failed:', error);
        process.exit(1);
      },
    );
}

export interface BenchBerth {
  berth: Berth;
  databaseUrl: string;
  /** The scratch database runs on this machine: its backends' CPU can be measured. */
  localPostgres: boolean;
  dataDir: string;
}

/**
 * Berth (role all, no console, no demo data) on a new scratch database of DATABASE_URL's
 * server (else the local PostgreSQL) and a temporary data folder; each is registered in
 * `resources` as it is created (database, data folder, Berth). `env` adds Berth settings;
 * `onDatabase` hears the scratch database's URL as soon as it exists.
 */
export async function startBenchBerth(resources: Resources, options: { env?: Parameters<typeof loadConfig>[0]; onDatabase?: (url: string) => void } = {}): Promise<BenchBerth> {
  const database = await createScratchDatabase(process.env.DATABASE_URL ?? LOCAL_POSTGRES_URL, 'berth_bench');
  resources.push(() => database.drop());
  options.onDatabase?.(database.url);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'berth-bench-data-'));
  resources.push(() => rm(dataDir, { recursive: true, force: true }));
  const localPostgres = ['localhost', '127.0.0.1', '[::1]'].includes(new URL(database.url).hostname);

  const config = loadConfig({
    DATABASE_URL: database.url,
    PORT: '0',
    BERTH_DATA_DIR: dataDir,
    BERTH_ADMIN_EMAIL: ADMIN.email,
    BERTH_ADMIN_PASSWORD: ADMIN.password,
    BERTH_CONSOLE: 'off',
    BERTH_DEMO: 'off',
    LOG_LEVEL: 'warn',
    BERTH_PROBE_INTERVAL_MS: '0',
    ...options.env,
  });
  step(`starting Berth on a scratch database (${new URL(database.url).pathname.slice(1)})`);
  const berth = await startBerth(config, { logger: createLogger(config.logLevel), jobsProcessEvery: 200 });
  resources.push(() => berth.close());
  return { berth, databaseUrl: database.url, localPostgres, dataDir };
}

export interface PenguinsDeployment {
  experiment: Experiment;
  v1: ExperimentVersion;
  v2: ExperimentVersion;
  admin: User;
  deployment: Deployment;
  /** What the registry serves: main and challenger loaded, with their preprocessing and binning. */
  set: ServingSet & { challenger: NonNullable<ServingSet['challenger']> };
}

export type TrainedPenguins = Pick<PenguinsDeployment, 'experiment' | 'v1' | 'v2' | 'admin'>;

/**
 * Trains the demo models (without the demo deployments): penguins version 1 (beak and flipper
 * measurements only) and version 2 (all features), both ready; and finds the admin.
 */
export async function trainPenguins(berth: Berth): Promise<TrainedPenguins> {
  const { services } = berth;
  const db = services.db;
  step('training the demo models');
  const trainingStarted = performance.now();
  await seedDemo(services, ADMIN.email, berth.logger, { deploy: false });
  const experiment = await db.getRepository(Experiment).findOneByOrFail({ name: 'Penguins species' });
  const versions = await waitFor('the penguins models to train', 15 * 60_000, async () => {
    const all = await services.experiments.versions(experiment.id);
    return all.length >= 2 && all.every((v) => v.status !== VersionStatus.training) ? all : undefined;
  });
  const v1 = versions.find((v) => v.number === 1)!;
  const v2 = versions.find((v) => v.number === 2)!;
  for (const v of [v1, v2]) if (v.status !== VersionStatus.ready) throw new Error(`penguins version ${v.number} did not train: ${v.status}`);
  step(`trained in ${((performance.now() - trainingStarted) / 1000).toFixed(1)} s`);

  const admin = await db.getRepository(User).findOneByOrFail({ email: ADMIN.email });
  return { experiment, v1, v2, admin };
}

/**
 * Trains the demo models (without the demo deployments) and deploys penguins as `name`:
 * main = the best model of version 2 (all features), challenger = the best of version 1
 * (beak and flipper measurements only); resolves once the registry serves both.
 */
export async function deployPenguins(berth: Berth, name: string): Promise<PenguinsDeployment> {
  const { services } = berth;
  const { experiment, v1, v2, admin } = await trainPenguins(berth);
  const deployment = await services.deployments.create(admin, {
    projectId: experiment.projectId,
    experimentId: experiment.id,
    name,
    mainModelId: await bestModel(berth, v2),
    challengerModelId: await bestModel(berth, v1),
    access: DeploymentAccess.public,
  });
  await waitFor('the deployment to be deployed', 60_000, () => (services.registry.status(deployment.id).deployed ? true : undefined));
  const set = services.registry.bySlug(deployment.slug)?.slot.value;
  if (!set?.challenger) throw new Error(`${deployment.slug} is not serving with a challenger`);
  return { experiment, v1, v2, admin, deployment, set: set as PenguinsDeployment['set'] };
}
