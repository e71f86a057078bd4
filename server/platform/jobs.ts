import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import os from 'node:os';
import { Agenda, type AgendaBackend, type Job, type JobStateNotification, type JobWithId } from 'agenda';
import { PostgresBackend } from '@agendajs/postgres-backend';
import pg from 'pg';
import type { Logger } from './logger';

export type { Job };

/**
 * How long stop() waits for running jobs. A job still running then (a long training) is
 * unlocked and abandoned with the process; another worker, or the next start, runs it again.
 */
const DRAIN_TIMEOUT_MS = 15_000;

export interface JobRunnerOptions {
  /** Jobs are stored in MongoDB when set (production, docker-compose)… */
  mongodbUrl?: string;
  /** …else in PostgreSQL, on Berth's own database. */
  databaseUrl: string;
  /** Processes with the `api` role only enqueue; `worker` and `all` also run jobs. */
  runsJobs: boolean;
  logger: Logger;
  /** How often a worker looks for due jobs. Tests shorten it. */
  processEvery?: string | number;
  /** How long a job's lock holds before another worker may take it over. */
  lockLifetimeMs?: number;
}

/**
 * The job runner: Agenda 6 on the backend the configuration chooses. Domain modules define
 * their jobs here and enqueue them; only processes that run jobs start processing.
 */
export class JobRunner {
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly agenda: Agenda,
    readonly backendName: 'mongodb' | 'postgres',
    private readonly backend: AgendaBackend,
    private readonly pool: pg.Pool | undefined,
    private readonly runsJobs: boolean,
    private readonly logger: Logger,
  ) {}

  static async create(options: JobRunnerOptions): Promise<JobRunner> {
    const backendName = options.mongodbUrl ? 'mongodb' : 'postgres';
    // Our own pool, so a connection the server drops (a restart, shutdown) is logged instead of
    // crashing the process with an unhandled 'error' event.
    const pool = options.mongodbUrl ? undefined : new pg.Pool({ connectionString: options.databaseUrl, max: 5 });
    pool?.on('error', (error) => options.logger.warn({ err: error }, 'job runner lost a database connection'));
    const backend: AgendaBackend = pool
      ? new PostgresBackend({ pool, tableName: 'berth_jobs', channelName: 'berth_jobs', logTableName: 'berth_job_logs' })
      : new (await import('@agendajs/mongo-backend')).MongoBackend({ address: options.mongodbUrl!, collection: 'berth_jobs' });
    // The LISTEN connection reconnects by itself after a database outage, but reports the loss as
    // an 'error' event: unheard, that event would crash the process.
    (backend.notificationChannel as unknown as EventEmitter | undefined)?.on('error', (error: Error) =>
      options.logger.warn({ err: error }, 'job notifications lost their database connection; reconnecting'),
    );
    // Agenda's constructor connects the backend without handling a failure: `ready` would never
    // settle and the rejection would go unhandled. Connecting first makes a bad URL fail here.
    try {
      await backend.connect();
    } catch (error) {
      await backend.disconnect().catch(() => undefined);
      await pool?.end().catch(() => undefined);
      const store = backendName === 'mongodb' ? 'MongoDB (MONGODB_URL)' : 'PostgreSQL';
      throw new Error(`the job runner could not connect to ${store}: ${(error as Error).message}`, { cause: error });
    }
    const agenda = new Agenda({
      backend: alreadyConnected(backend),
      // Unique per runner: Agenda ignores job events whose source has its own name, and marks
      // the jobs it locks with it. Replicas in containers often share the same pid.
      name: `berth-${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
      processEvery: options.processEvery ?? '5 seconds',
      defaultLockLifetime: options.lockLifetimeMs ?? 10 * 60 * 1000,
    });
    agenda.on('error', (error) => options.logger.error({ err: error }, 'job runner error'));
    // Failures of other processes arrive here too (remote = true, with a notification instead
    // of a job): they are logged where they happened.
    agenda.on('fail', (error: Error | string, job: JobWithId | JobStateNotification, remote?: boolean) => {
      if (remote || !('attrs' in job)) return;
      options.logger.warn({ err: error, job: job.attrs.name }, 'job failed');
    });
    await agenda.ready;
    return new JobRunner(agenda, backendName, backend, pool, options.runsJobs, options.logger);
  }

  define<T>(name: string, handler: (job: Job<T>) => Promise<void>, options: { concurrency?: number; lockLifetime?: number } = {}): void {
    this.agenda.define<T>(name, handler, options);
  }

  /** Runs the job as soon as a worker takes it; resolves to the stored job's id. */
  async now<T extends object>(name: string, data: T): Promise<string> {
    return String((await this.agenda.now(name, data)).attrs._id);
  }

  /** Runs the job at `when` (or as soon as a worker takes it after that). */
  async at<T extends object>(when: Date, name: string, data: T): Promise<void> {
    await this.agenda.schedule(when, name, data);
  }

  /** One job of this name, repeating every `interval` (e.g. '1 hour'); housekeeping without data. */
  async every(interval: string, name: string): Promise<void> {
    await this.agenda.every(interval, name);
  }

  /**
   * One job per name and data, repeating on a cron expression in `timezone`, first at the next
   * time the expression gives; saving it again replaces the earlier one.
   */
  async repeat<T extends object>(name: string, data: T, cron: string, timezone: string): Promise<void> {
    const unique = Object.fromEntries(Object.entries(data).map(([key, value]) => [`data.${key}`, value]));
    await this.agenda.create(name, data).repeatEvery(cron, { timezone, skipImmediate: true }).unique(unique).save();
  }

  /** Removes the jobs of this name whose data holds these values (pending and repeating ones). */
  async cancel(name: string, data: Record<string, unknown>): Promise<void> {
    await this.agenda.cancel({ name, data });
  }

  /** The stored jobs of a name, with their state: for health checks and tests. */
  async jobs(name: string) {
    return (await this.agenda.queryJobs({ name })).jobs;
  }

  /** Calls `listener` each time this runner starts a job of this name. */
  onStart(name: string, listener: (data: unknown) => void): void {
    this.agenda.on(`start:${name}`, (job: JobWithId | JobStateNotification) => {
      if ('attrs' in job) listener(job.attrs.data);
    });
  }

  /** Whether this runner processes jobs (a worker) or only enqueues them (an API-only replica). */
  get processing(): boolean {
    return this.agenda.isActiveJobProcessor();
  }

  async start(): Promise<void> {
    if (!this.runsJobs) return;
    await this.agenda.start();
    this.logger.info({ backend: this.backendName }, 'job runner processing jobs');
  }

  /**
   * Stops taking jobs, lets running ones finish (for up to DRAIN_TIMEOUT_MS), hands every job
   * it still holds back to the queue, then disconnects. Calling it again waits for the same stop.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    // Agenda's stop() and drain() return early, without disconnecting, when it never processed.
    if (!this.agenda.isActiveJobProcessor()) {
      await this.disconnect();
      return;
    }
    // drain() waits for running jobs but leaves the jobs locked ahead (due within the next poll,
    // or waiting for a concurrency slot) locked until their lock lifetime ends: other workers
    // could not take them for up to ten minutes.
    const finished = new Set<string>();
    const onComplete = (job: JobWithId | JobStateNotification, remote?: boolean) => {
      if (!remote && 'attrs' in job) finished.add(String(job.attrs._id));
    };
    this.agenda.on('complete', onComplete);
    try {
      const locked = await this.lockedJobIds().catch((error: Error) => {
        this.logger.warn({ err: error }, 'could not list the jobs this runner holds: they unlock when their lock lifetime ends');
        return [];
      });
      const drained = await this.agenda.drain({ timeout: DRAIN_TIMEOUT_MS, closeConnection: false });
      if (drained.timedOut) this.logger.warn({ running: drained.running }, 'jobs still running at shutdown are handed back to the queue');
      const lockedAhead = locked.filter((id) => !finished.has(id));
      if (lockedAhead.length > 0) await this.agenda.db.unlockJobs(lockedAhead);
    } finally {
      this.agenda.off('complete', onComplete);
      await this.disconnect();
    }
  }

  private async disconnect(): Promise<void> {
    await this.backend.disconnect();
    await this.pool?.end();
  }

  /** The jobs this runner has locked: running, due within the next poll, or waiting for a slot. */
  private async lockedJobIds(): Promise<string[]> {
    const { lockedJobs } = await this.agenda.getRunningStats(true);
    return Array.isArray(lockedJobs) ? lockedJobs.map((job) => String(job._id)) : [];
  }
}

/** The backend as Agenda sees it once `create()` has connected it. */
function alreadyConnected(backend: AgendaBackend): AgendaBackend {
  return {
    get name() {
      return backend.name;
    },
    get repository() {
      return backend.repository;
    },
    get notificationChannel() {
      return backend.notificationChannel;
    },
    get logger() {
      return backend.logger;
    },
    get ownsConnection() {
      return backend.ownsConnection;
    },
    connect: async () => undefined,
    disconnect: () => backend.disconnect(),
  };
}
