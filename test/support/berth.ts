import os from 'node:os';
import path from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { startBerth, type Berth } from '../../server/berth';
import { loadConfig, type Config } from '../../server/config';
import { createLogger, type Logger } from '../../server/platform/logger';
import { testDatabase } from './database';
import { cleanUp } from './cleanup';

export const ADMIN = { email: 'admin@test.berth', password: 'admin-password-123' };

export interface TestBerth {
  berth: Berth;
  /** http://127.0.0.1:<port> */
  url: string;
  databaseUrl: string;
  /** POSTs a GraphQL operation over HTTP; `token` goes in `Authorization: Bearer`. */
  graphql<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  /** Signs in and returns the bearer token. */
  login(email: string, password: string): Promise<string>;
}

export interface GraphQLResponse<T> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } & Record<string, unknown> }>;
}

/**
 * Starts a real Berth (HTTP on a random port, real PostgreSQL) for a test file, on a fresh
 * database unless `databaseUrl` is given (a second instance on the same database). Closed
 * after the file's tests.
 */
export async function startTestBerth(options: { databaseUrl?: string; env?: Record<string, string>; logger?: Logger } = {}): Promise<TestBerth> {
  const databaseUrl = options.databaseUrl ?? (await testDatabase()).url;
  const config: Config = loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: '0',
    BERTH_DATA_DIR: await mkdtemp(path.join(os.tmpdir(), 'berth-test-data-')),
    BERTH_ADMIN_EMAIL: ADMIN.email,
    BERTH_ADMIN_PASSWORD: ADMIN.password,
    BERTH_CONSOLE: 'off',
    BERTH_DEMO: 'off',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ...options.env,
  });
  const berth = await startBerth(config, { logger: options.logger ?? createLogger(config.logLevel), jobsProcessEvery: 200 });
  cleanUp(() => berth.close());
  const url = berth.url!;

  const graphql = async <T>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>> => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as object) };
  };
  const login = async (email: string, password: string) => {
    const result = await graphql<{ login: { token: string } }>('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: email, p: password });
    if (!result.data) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
    return result.data.login.token;
  };
  return { berth, url, databaseUrl, graphql, login };
}
