import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../server/platform/embedded-postgres';
import { createLogger } from '../../server/platform/logger';
import { LOCAL_POSTGRES_URL } from '../../server/platform/scratch-database';

/**
 * Chooses the PostgreSQL server the tests create their databases on: TEST_DATABASE_URL,
 * else DATABASE_URL, else the local server on 127.0.0.1:5432, else an embedded one started
 * here for the run. Each test file then creates its own database on it.
 */
export default async function setup(project: TestProject) {
  // Every database and role a test creates carries this run's id, so that the end of the run
  // drops what a crashed or timed-out test file left, and nothing of another run on the server.
  const runId = randomBytes(3).toString('hex');
  project.provide('testRunId', runId);
  const configured = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (configured) {
    project.provide('postgresServerUrl', configured);
    return () => dropLeftovers(configured, runId);
  }
  if (await reachable(LOCAL_POSTGRES_URL)) {
    project.provide('postgresServerUrl', LOCAL_POSTGRES_URL);
    return () => dropLeftovers(LOCAL_POSTGRES_URL, runId);
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'berth-test-pg-'));
  const embedded = await startEmbeddedPostgres(dataDir, 54400 + Math.floor(Math.random() * 500), createLogger('warn'));
  const url = new URL(embedded.url);
  url.pathname = '/postgres';
  project.provide('postgresServerUrl', url.toString());
  return () => embedded.stop();
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops the databases and roles of this run that are still there. */
async function dropLeftovers(serverUrl: string, runId: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const pattern = `berth\\_%\\_${runId}\\_%`;
    const { rows: databases } = await client.query<{ name: string }>('SELECT datname AS name FROM pg_database WHERE datname LIKE $1', [pattern]);
    for (const { name } of databases) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    const { rows: roles } = await client.query<{ name: string }>('SELECT rolname AS name FROM pg_roles WHERE rolname LIKE $1', [pattern]);
    for (const { name } of roles) await client.query(`DROP ROLE IF EXISTS "${name}"`);
    if (databases.length + roles.length > 0) console.warn(`end of the run: dropped ${databases.length} databases and ${roles.length} roles that test files had not dropped themselves`);
  } finally {
    await client.end();
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresServerUrl: string;
    /** Part of the name of every database and role this run creates (see `runScoped`). */
    testRunId: string;
  }
}
