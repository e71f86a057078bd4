import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import type { Config } from './config';
import { buildBerthSchema } from './graphql/schema';
import { createHttpApp } from './http/app';
import type { Readiness } from './http/health.routes';
import { migrate } from './platform/database';
import { berthDataSource } from './entities';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './platform/embedded-postgres';
import { PostgresEventBus } from './platform/event-bus';
import { JobRunner } from './platform/jobs';
import { createLogger, type Logger } from './platform/logger';
import { resolveSecret } from './platform/secret';
import { initTensorflow } from './ml/tensorflow';
import { createArtifactStore, type ArtifactStore } from './platform/artifacts';
import { createServices, type Services } from './services';
import { seedDemo } from './demo/seed';

export interface Berth {
  config: Config;
  logger: Logger;
  services: Services;
  jobs: JobRunner;
  /** The address the HTTP server listens on; undefined for a worker-only process. */
  url: string | undefined;
  /** Set on the start that created the first admin with a generated password. */
  firstAdmin: { email: string; password?: string } | null;
  /** Finishes in-flight requests and running jobs, then releases every resource. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /** How often the job runner polls; tests shorten it. */
  jobsProcessEvery?: string | number;
}

/** The composition root: config → database → bus → services → jobs → HTTP. */
export async function startBerth(config: Config, options: StartOptions = {}): Promise<Berth> {
  const logger = options.logger ?? createLogger(config.logLevel, undefined, config.logFormat);
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => logger.error({ err: error }, 'error during shutdown'));
    cleanups.length = 0;
  };

  try {
    let embedded: EmbeddedDatabase | undefined;
    if (!config.databaseUrl) {
      embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort, logger);
      cleanups.push(() => embedded!.stop());
    }
    const databaseUrl = config.databaseUrl ?? embedded!.url;

    const db = berthDataSource(databaseUrl);
    await db.initialize();
    cleanups.push(() => db.destroy());
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');

    const { secret } = await resolveSecret(config.secret, config.dataDir);

    const bus = await PostgresEventBus.connect(databaseUrl, logger);
    cleanups.push(() => bus.close());

    // Closed after everything that records predictions stopped: nothing recorded is lost.
    const logCleanup: { close?: () => Promise<void> } = {};
    cleanups.push(async () => logCleanup.close?.());

    const jobs = await JobRunner.create({
      databaseUrl,
      mongodbUrl: config.mongodbUrl,
      runsJobs: config.role !== 'api',
      logger,
      processEvery: options.jobsProcessEvery,
    });
    cleanups.push(() => jobs.stop());

    const artifacts = createArtifactStore(config);
    const storage = watchArtifactStore(artifacts, logger, cleanups);
    const services = createServices({ config, secret, db, bus, artifacts, jobs, logger });
    // After the jobs stopped (cleanups run in reverse, see below): a pipeline run still records.
    logCleanup.close = () => services.predictionLog.close();
    if (config.role !== 'api') await scheduleHousekeeping(jobs, services);
    await jobs.start();

    const firstAdmin = await services.auth.ensureFirstAdmin(config.adminEmail, config.adminPassword);
    if (firstAdmin && config.demo) await seedDemo(services, firstAdmin.email, logger);

    let url: string | undefined;
    if (config.role !== 'worker') {
      await services.registry.start();
      cleanups.push(() => services.registry.stop());
      // Models that failed to load while object storage was unreachable load once it answers.
      storage.onRecovered.push(() => void services.registry.reloadAll().catch((error) => logger.error({ err: error }, 'could not reload deployments after artifact storage came back')));
      services.usage.start();
      cleanups.push(() => services.usage.stop());
      // Runs after the HTTP server closed (cleanups run in reverse): nothing in flight is lost.
      cleanups.push(() => services.predictions.settle());
      const schema = await buildBerthSchema(bus);
      const app: FastifyInstance = await createHttpApp({ config, logger, services, schema, readiness: () => checkReadiness(db, jobs, artifacts) });
      cleanups.push(() => app.close());
      url = await app.listen({ host: config.host, port: config.port });
      services.registry.startProbing(url);
    }

    return { config, logger, services, jobs, url, firstAdmin, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Object storage that is unreachable (at start or later) does not stop Berth: it logs why once,
 * /readyz answers 503 naming the cause, and the store is checked every 5 s until it answers, then
 * every 15 s. When it answers again, `onRecovered` runs (the registry loads what failed meanwhile).
 */
function watchArtifactStore(artifacts: ArtifactStore, logger: Logger, cleanups: Array<() => Promise<unknown>>): { onRecovered: Array<() => void> } {
  const hooks = { onRecovered: [] as Array<() => void> };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failing = false;
  const next = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(attempt, ms);
    timer.unref();
  };
  const attempt = () => {
    artifacts.check().then(
      () => {
        if (failing) {
          failing = false;
          logger.info({ artifacts: artifacts.description }, 'artifact storage is reachable again');
          for (const hook of hooks.onRecovered) hook();
        }
        next(15_000);
      },
      (error: Error) => {
        if (!failing) logger.error({ artifacts: artifacts.description }, `${error.message}; /readyz answers 503 until it is fixed; retrying every 5 s`);
        failing = true;
        next(5_000);
      },
    );
  };
  attempt();
  cleanups.push(async () => {
    stopped = true;
    clearTimeout(timer);
  });
  return hooks;
}

async function checkReadiness(db: DataSource, jobs: JobRunner, artifacts: ArtifactStore): Promise<Readiness> {
  const checks: Readiness['checks'] = {};
  try {
    await db.query('SELECT 1');
    checks.database = { ok: true };
    const pending = await db.showMigrations();
    checks.migrations = pending ? { ok: false, detail: 'migrations are pending: run npm run db:migrate' } : { ok: true };
  } catch (error) {
    checks.database = { ok: false, detail: `database unreachable: ${(error as Error).message}` };
  }
  checks.jobs = { ok: true, detail: `agenda on ${jobs.backendName}` };
  checks.artifacts = await artifacts.check().then(
    () => ({ ok: true, detail: artifacts.description }),
    (error: Error) => ({ ok: false, detail: error.message }),
  );
  checks.inference = { ok: true, detail: `TensorFlow.js on the ${(await initTensorflow()).backend} backend` };
  return { ready: Object.values(checks).every((c) => c.ok), checks };
}

const CLEAN_SESSIONS_JOB = 'auth.delete-expired-sessions';
const RETENTION_JOB = 'monitoring.retention';

async function scheduleHousekeeping(jobs: JobRunner, services: Services): Promise<void> {
  const { logRetentionDays, aggregateRetentionDays } = services.config.monitoring;
  jobs.define(CLEAN_SESSIONS_JOB, () => services.auth.deleteExpiredSessions());
  jobs.define(RETENTION_JOB, async () => {
    await services.monitoring.applyRetention(new Date(), logRetentionDays, aggregateRetentionDays);
  });
  // every() upserts one shared schedule, so several workers do not multiply it.
  await jobs.every('1 hour', CLEAN_SESSIONS_JOB);
  await jobs.every('1 hour', RETENTION_JOB);
}
