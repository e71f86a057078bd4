import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { inject } from 'vitest';
import { createScratchDatabase } from '../../server/platform/scratch-database';
import { runScoped } from './database';
import { cleanUp } from './cleanup';

export interface ExternalRole {
  user: string;
  password: string;
}

/**
 * An "external" PostgreSQL for connector tests: a scratch database on the test server, reached
 * over TCP with roles that have passwords, as a connector would reach a customer's database.
 */
export interface ExternalPostgres {
  host: string;
  port: number;
  database: string;
  /** Runs SQL in the external database as the server's superuser. */
  admin(sql: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** A LOGIN role with a password; `setup` runs in the external database, `{role}` replaced by the quoted name. */
  createRole(setup?: string[]): Promise<ExternalRole>;
  /** Connection settings for a role, as ConnectorService.clientConfig would build them. */
  config(role: ExternalRole, overrides?: Partial<pg.ClientConfig>): pg.ClientConfig;
}

export async function externalPostgres(): Promise<ExternalPostgres> {
  const serverUrl = inject('postgresServerUrl');
  const scratch = await createScratchDatabase(serverUrl, runScoped('ext'));
  const url = new URL(scratch.url);
  const database = decodeURIComponent(url.pathname.slice(1));
  const admin = new pg.Client({ connectionString: scratch.url });
  await admin.connect();
  const roles: string[] = [];

  cleanUp(async () => {
    await admin.end();
    await scratch.drop();
    const server = new pg.Client({ connectionString: serverUrl });
    await server.connect();
    try {
      for (const role of roles) await server.query(`DROP ROLE IF EXISTS "${role}"`);
    } finally {
      await server.end();
    }
  });

  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    database,
    admin: (sql, values) => admin.query(sql, values),
    async createRole(setup = []) {
      const role = { user: `${runScoped('ext')}_${randomBytes(5).toString('hex')}`, password: randomBytes(12).toString('hex') };
      await admin.query(`CREATE ROLE "${role.user}" LOGIN PASSWORD '${role.password}'`);
      roles.push(role.user);
      for (const statement of setup) await admin.query(statement.replaceAll('{role}', `"${role.user}"`));
      return role;
    },
    config(role, overrides = {}) {
      return { host: url.hostname, port: Number(url.port || 5432), database, user: role.user, password: role.password, ssl: false, connectionTimeoutMillis: 5000, application_name: 'berth', ...overrides };
    },
  };
}

/**
 * BERTH_CONNECTOR_ALLOWED_HOSTS for a Berth whose connectors reach the "external" test
 * database: it runs on the test server (127.0.0.1 by default), which is not a public address.
 */
export function externalAllowedHosts(): string {
  return new URL(inject('postgresServerUrl')).hostname;
}

/** A TCP port on 127.0.0.1 nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Connections of `user` still open on the server, waiting a little for closing ones to go. */
export async function openConnections(external: ExternalPostgres, user: string): Promise<number> {
  let count = 0;
  for (let attempt = 0; attempt < 100; attempt++) {
    const { rows } = await external.admin('SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1', [user]);
    count = rows[0].n;
    if (count === 0) return 0;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return count;
}
