import { Agenda, type Job } from 'agenda';
import { PostgresBackend } from '@agendajs/postgres-backend';
import type { Logger } from './logger';

export type { Job };

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
  private constructor(
    readonly agenda: Agenda,
    readonly backendName: 'mongodb' | 'postgres',
    private readonly runsJobs: boolean,
    private readonly logger: Logger,
  ) {}

  static async create(options: JobRunnerOptions): Promise<JobRunner> {
    const backend = options.mongodbUrl
      ? new (await import('@agendajs/mongo-backend')).MongoBackend({ address: options.mongodbUrl, collection: 'berth_jobs' })
      : new PostgresBackend({ connectionString: options.databaseUrl, tableName: 'berth_jobs', channelName: 'berth_jobs', logTableName: 'berth_job_logs' });
    const agenda = new Agenda({
      backend,
      name: `berth-${process.pid}`,
      processEvery: options.processEvery ?? '5 seconds',
      defaultLockLifetime: options.lockLifetimeMs ?? 10 * 60 * 1000,
    });
    agenda.on('error', (error) => options.logger.error({ err: error }, 'job runner error'));
    agenda.on('fail', (error, job) => options.logger.warn({ err: error, job: job.attrs.name }, 'job failed'));
    await agenda.ready;
    return new JobRunner(agenda, options.mongodbUrl ? 'mongodb' : 'postgres', options.runsJobs, options.logger);
  }

  define<T>(name: string, handler: (job: Job<T>) => Promise<void>, options: { concurrency?: number; lockLifetime?: number } = {}): void {
    this.agenda.define<T>(name, handler, options);
  }

  async start(): Promise<void> {
    if (!this.runsJobs) return;
    await this.agenda.start();
    this.logger.info({ backend: this.backendName }, 'job runner processing jobs');
  }

  /** Stops taking jobs, lets running ones finish, then disconnects. */
  async stop(): Promise<void> {
    if (this.runsJobs) await this.agenda.drain();
    else await this.agenda.stop();
  }
}
