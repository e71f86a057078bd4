import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { JobRunner, type Job } from '../../server/platform/jobs';
import { createLogger } from '../../server/platform/logger';
import { testDatabase } from '../support/database';
import { letTimePass, waitFor } from '../support/wait';

const PROCESS_EVERY_MS = 100;
const MONGODB_URL = process.env.MONGODB_URL?.trim() || undefined;
const MONGODB_SKIPPED = 'JobRunner on MongoDB (skipped: set MONGODB_URL to run against MongoDB)';
if (!MONGODB_URL) console.warn(MONGODB_SKIPPED);

interface Connection {
  databaseUrl: string;
  mongodbUrl?: string;
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * The conformance suite every job backend passes: the behaviour Berth relies on for pipelines
 * and housekeeping, on a real database.
 */
function jobRunnerConformance(backendName: 'postgres' | 'mongodb', connection: () => Connection, unreachable: () => Connection) {
  const runners: JobRunner[] = [];
  let counter = 0;
  /** Job names are unique per test: all tests of a backend share one database. */
  const jobName = (label: string) => `test.${label}.${++counter}`;

  const open = async (runsJobs: boolean, options: { lockLifetimeMs?: number } = {}) => {
    const runner = await JobRunner.create({ ...connection(), runsJobs, logger: createLogger('warn'), processEvery: PROCESS_EVERY_MS, ...options });
    runners.push(runner);
    return runner;
  };
  const jobsNamed = async (runner: JobRunner, name: string) => await runner.jobs(name);

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  });

  it(`stores jobs on ${backendName}`, async () => {
    const runner = await open(false);
    expect(runner.backendName).toBe(backendName);
  });

  it('refuses to start with the reason when the job store is unreachable', async () => {
    await expect(JobRunner.create({ ...unreachable(), runsJobs: true, logger: createLogger('silent') })).rejects.toThrow(/^the job runner could not connect to .+: ./);
  });

  it('runs a job enqueued with now() once, with its data', async () => {
    const runner = await open(true);
    const name = jobName('now');
    const seen: unknown[] = [];
    runner.define<{ deployment: string; rows: number }>(name, async (job) => {
      seen.push(job.attrs.data);
    });
    await runner.start();

    const jobId = await runner.now(name, { deployment: 'churn', rows: 3 });
    await waitFor('the job has completed', async () => (await jobsNamed(runner, name))[0]?.state === 'completed');

    expect(seen).toEqual([{ deployment: 'churn', rows: 3 }]);
    const [stored] = await jobsNamed(runner, name);
    expect(String(stored._id)).toBe(jobId);
    expect(stored.nextRunAt).toBeFalsy();
    expect(stored.lockedAt).toBeFalsy();
    expect(stored.lastFinishedAt).toBeInstanceOf(Date);
  });

  it('records a failing job as failed with its reason and keeps running other jobs', async () => {
    const runner = await open(true);
    const failing = jobName('failing');
    const working = jobName('working');
    const ran: number[] = [];
    runner.define(failing, async () => {
      throw new Error('source table "orders" does not exist');
    });
    runner.define<{ n: number }>(working, async (job) => {
      ran.push(job.attrs.data.n);
    });
    await runner.start();

    await runner.now(failing, {});
    await runner.now(working, { n: 1 });
    await waitFor('the failing job is recorded as failed', async () => (await jobsNamed(runner, failing))[0]?.state === 'failed');
    await runner.now(working, { n: 2 });
    await waitFor('both working jobs ran', () => ran.length === 2);

    const [failed] = await jobsNamed(runner, failing);
    expect(failed.failReason).toBe('source table "orders" does not exist');
    expect(failed.failCount).toBe(1);
    expect(failed.failedAt).toBeInstanceOf(Date);
    expect(failed.lockedAt).toBeFalsy();
    expect(ran.sort()).toEqual([1, 2]);
  });

  it('schedules a repeating job on a cron expression in a time zone', async () => {
    const runner = await open(true);
    const everyMinute = jobName('every-minute');
    const dailyInParis = jobName('daily-paris');
    runner.define(everyMinute, async () => undefined);
    runner.define(dailyInParis, async () => undefined);
    await runner.start();

    const before = Date.now();
    await runner.repeat(everyMinute, { pipeline: 'nightly' }, '* * * * *', 'Europe/Paris');
    await runner.repeat(dailyInParis, { pipeline: 'morning' }, '30 9 * * *', 'Europe/Paris');

    const [minutely] = await jobsNamed(runner, everyMinute);
    expect(minutely.repeatInterval).toBe('* * * * *');
    expect(minutely.repeatTimezone).toBe('Europe/Paris');
    expect(minutely.data).toEqual({ pipeline: 'nightly' });
    expect(minutely.nextRunAt).toBeInstanceOf(Date);
    expect(minutely.nextRunAt!.getTime()).toBeGreaterThan(before);

    const [daily] = await jobsNamed(runner, dailyInParis);
    expect(daily.nextRunAt!.getTime()).toBeGreaterThan(before);
    // 09:30 on the Paris wall clock, whatever the offset of the day (CET or CEST).
    const parisTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    expect(parisTime.format(daily.nextRunAt!)).toBe('09:30');

    // Scheduling again updates the one repeating job instead of adding another.
    await runner.repeat(everyMinute, { pipeline: 'nightly' }, '* * * * *', 'Europe/Paris');
    expect(await jobsNamed(runner, everyMinute)).toHaveLength(1);
  });

  it('runs each of 20 jobs exactly once across two runners on the same database', async () => {
    const name = jobName('shared');
    const executions = new Map<string, number>();
    const ranOn = new Set<string>();
    const handler = (runnerLabel: string) => async (job: Job<{ n: number }>) => {
      const id = String(job.attrs._id);
      executions.set(id, (executions.get(id) ?? 0) + 1);
      ranOn.add(runnerLabel);
      await new Promise((resolve) => setTimeout(resolve, 10));
    };
    const first = await open(true);
    const second = await open(true);
    first.define(name, handler('first'));
    second.define(name, handler('second'));
    await Promise.all([first.start(), second.start()]);

    const ids = await Promise.all(Array.from({ length: 20 }, (_, n) => first.now(name, { n })));
    expect(new Set(ids).size).toBe(20);

    await waitFor('all 20 jobs have completed', async () => {
      const stored = await jobsNamed(first, name);
      return stored.length === 20 && stored.every((job) => job.state === 'completed');
    });
    // A completed one-time job has no nextRunAt left, so neither runner can pick it up again.
    expect([...executions.keys()].sort()).toEqual([...ids].sort());
    expect([...executions.values()].every((count) => count === 1)).toBe(true);
    expect(ranOn.size).toBeGreaterThan(0);
  });

  it('a job failing on one runner does not disturb another runner on the same database', async () => {
    const failing = jobName('failing-shared');
    const working = jobName('working-shared');
    const worked: string[] = [];
    const first = await open(true);
    const second = await open(true);
    for (const runner of [first, second]) {
      runner.define(failing, async () => {
        throw new Error('model artifact is missing');
      });
      runner.define<{ label: string }>(working, async (job) => {
        worked.push(job.attrs.data.label);
      });
    }
    await Promise.all([first.start(), second.start()]);

    await first.now(failing, {});
    await waitFor('the failing job is recorded as failed', async () => (await jobsNamed(first, failing))[0]?.state === 'failed');
    await first.now(working, { label: 'after the failure' });
    await waitFor('the next job ran', () => worked.length === 1);
    expect(worked).toEqual(['after the failure']);
  });

  it('a runner that does not run jobs enqueues them for one that does', async () => {
    const name = jobName('enqueue-only');
    const ranOnApi: unknown[] = [];
    const api = await open(false);
    api.define(name, async (job) => {
      ranOnApi.push(job.attrs.data);
    });
    await api.start();
    await api.now(name, { from: 'api' });

    // Several of its polling periods go by without it taking the job.
    await letTimePass(PROCESS_EVERY_MS * 5);
    expect(api.processing).toBe(false);
    expect(ranOnApi).toEqual([]);
    const [queued] = await jobsNamed(api, name);
    expect(queued.state).toBe('queued');
    expect(queued.lockedAt).toBeFalsy();

    const ranOnWorker: unknown[] = [];
    const worker = await open(true);
    worker.define(name, async (job) => {
      ranOnWorker.push(job.attrs.data);
    });
    await worker.start();
    await waitFor('the worker ran the job', () => ranOnWorker.length === 1);
    expect(ranOnWorker).toEqual([{ from: 'api' }]);
    expect(ranOnApi).toEqual([]);
  });

  it('stop() waits for a running job to finish', async () => {
    const name = jobName('drain');
    const release = gate();
    let started = false;
    let finished = false;
    const runner = await open(true);
    runner.define(name, async () => {
      started = true;
      await release.opened;
      finished = true;
    });
    await runner.start();
    await runner.now(name, {});
    await waitFor('the job has started', () => started);

    let stopped = false;
    const stopping = runner.stop().then(() => {
      stopped = true;
    });
    await letTimePass(PROCESS_EVERY_MS * 3);
    expect(stopped).toBe(false);

    release.open();
    await stopping;
    expect(finished).toBe(true);

    const observer = await open(false);
    const [stored] = await jobsNamed(observer, name);
    expect(stored.state).toBe('completed');
    expect(stored.lockedAt).toBeFalsy();
  });

  it('stop() hands jobs it had locked but not started back to other runners', async () => {
    const name = jobName('handover');
    const release = gate();
    const ranOnFirst: number[] = [];
    const first = await open(true);
    first.define<{ n: number }>(
      name,
      async (job) => {
        ranOnFirst.push(job.attrs.data.n);
        await release.opened;
      },
      { concurrency: 1 },
    );
    await first.start();
    await Promise.all([0, 1, 2].map((n) => first.now(name, { n })));
    // One job runs; the runner has locked the other two, waiting for a concurrency slot.
    await waitFor('the first runner holds all three jobs', async () => {
      const stored = await jobsNamed(first, name);
      return ranOnFirst.length === 1 && stored.filter((job) => job.lockedAt).length === 3;
    });

    const stopping = first.stop();
    release.open();
    await stopping;

    const ranOnSecond: number[] = [];
    const second = await open(true);
    second.define<{ n: number }>(name, async (job) => {
      ranOnSecond.push(job.attrs.data.n);
    });
    await second.start();
    await waitFor('the second runner ran the jobs left over', () => ranOnFirst.length + ranOnSecond.length === 3);
    expect([...ranOnFirst, ...ranOnSecond].sort()).toEqual([0, 1, 2]);
  });
}

const postgres = await testDatabase();

describe('JobRunner on PostgreSQL', () => {
  const missingDatabase = new URL(postgres.url);
  missingDatabase.pathname = '/berth_test_no_such_database';
  jobRunnerConformance(
    'postgres',
    () => ({ databaseUrl: postgres.url }),
    () => ({ databaseUrl: missingDatabase.toString() }),
  );

  it('stop() closes the connections of a runner that never processed jobs', async () => {
    const name = new URL(postgres.url).pathname.slice(1);
    const connections = async () => {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ count: number }>('SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
        return rows[0]!.count;
      } finally {
        await client.end();
      }
    };
    await waitFor('no connection is left from earlier tests', async () => (await connections()) === 0);
    const runner = await JobRunner.create({ databaseUrl: postgres.url, runsJobs: false, logger: createLogger('warn') });
    await runner.now('test.connections', {});
    expect(await connections()).toBeGreaterThan(0);
    await runner.stop();
    await runner.stop();
    // Well within pg's 10 s idle timeout, which would close a leaked pool's connections anyway.
    await waitFor('its connections are closed', async () => (await connections()) === 0, { timeoutMs: 3_000 });
  });
});

describe.skipIf(!MONGODB_URL)(MONGODB_URL ? 'JobRunner on MongoDB' : MONGODB_SKIPPED, () => {
  // Each run gets its own MongoDB database, dropped afterwards.
  const url = new URL(MONGODB_URL ?? 'mongodb://127.0.0.1:27017');
  url.pathname = `/berth_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const mongodbUrl = url.toString();

  afterAll(async () => {
    const client = new MongoClient(mongodbUrl);
    try {
      await client.db().dropDatabase();
    } finally {
      await client.close();
    }
  });

  jobRunnerConformance(
    'mongodb',
    () => ({ databaseUrl: postgres.url, mongodbUrl }),
    // Nothing listens on port 1; the short selection timeout keeps the failure quick.
    () => ({ databaseUrl: postgres.url, mongodbUrl: 'mongodb://127.0.0.1:1/berth_test?serverSelectionTimeoutMS=500' }),
  );
});
