import os from 'node:os';
import path from 'node:path';
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
  const configured = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (configured) {
    project.provide('postgresServerUrl', configured);
    return;
  }
  if (await reachable(LOCAL_POSTGRES_URL)) {
    project.provide('postgresServerUrl', LOCAL_POSTGRES_URL);
    return;
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

declare module 'vitest' {
  export interface ProvidedContext {
    postgresServerUrl: string;
  }
}
