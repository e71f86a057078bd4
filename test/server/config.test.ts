import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('configuration from the environment', () => {
  it('has defaults that start a local instance on the embedded database', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ databaseUrl: undefined, mongodbUrl: undefined, host: '127.0.0.1', port: 3000, role: 'all', logLevel: 'info', serveConsole: true });
    expect(config.dataDir).toBe(path.resolve('.berth'));
    expect(config.publicUrl).toBe('http://127.0.0.1:3000');
  });

  it('reads every documented variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u:p@db:5432/berth',
      MONGODB_URL: 'mongodb://mongo:27017/berth',
      HOST: '0.0.0.0',
      PORT: '8080',
      BERTH_PUBLIC_URL: 'https://berth.example.com/',
      BERTH_DATA_DIR: '/var/lib/berth',
      BERTH_SECRET: 'x'.repeat(40),
      BERTH_ADMIN_EMAIL: 'Ops@Example.com',
      BERTH_ADMIN_PASSWORD: 'long-enough-password',
      BERTH_ROLE: 'worker',
      LOG_LEVEL: 'debug',
      BERTH_CONSOLE: 'off',
      BERTH_MAX_BODY_BYTES: '2048',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://u:p@db:5432/berth',
      mongodbUrl: 'mongodb://mongo:27017/berth',
      port: 8080,
      publicUrl: 'https://berth.example.com',
      dataDir: '/var/lib/berth',
      adminEmail: 'ops@example.com',
      role: 'worker',
      logLevel: 'debug',
      serveConsole: false,
      limits: { bodyBytes: 2048 },
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT must be a whole number from 0 to 65535, got "eighty"'],
    [{ PORT: '70000' }, 'PORT must be a whole number from 0 to 65535, got "70000"'],
    [{ DATABASE_URL: 'mysql://db/berth' }, 'DATABASE_URL must start with postgres:// or postgresql://, got "mysql://…"'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL is not a valid URL'],
    [{ MONGODB_URL: 'http://mongo' }, 'MONGODB_URL must start with mongodb:// or mongodb+srv://, got "http://…"'],
    [{ BERTH_ROLE: 'both' }, 'BERTH_ROLE must be one of api, worker, all, got "both"'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [{ BERTH_SECRET: 'short' }, 'BERTH_SECRET must be at least 32 characters long (got 5); generate one with: openssl rand -base64 48'],
    [{ BERTH_ADMIN_EMAIL: 'ops@example.com' }, 'BERTH_ADMIN_EMAIL and BERTH_ADMIN_PASSWORD must be set together (or neither, to have a password generated)'],
    [{ BERTH_ADMIN_EMAIL: 'not-an-email', BERTH_ADMIN_PASSWORD: 'long-enough-password' }, 'BERTH_ADMIN_EMAIL must be an email address, got "not-an-email"'],
    [{ BERTH_GRAPHQL_MAX_DEPTH: '1' }, 'BERTH_GRAPHQL_MAX_DEPTH must be a whole number from 2 to 100, got "1"'],
    [{ BERTH_API_LICENSE: 'Apache 2.0' }, 'BERTH_API_LICENSE must be an SPDX licence identifier such as Apache-2.0 or LicenseRef-Internal, got "Apache 2.0"'],
  ])('refuses %o naming the variable and the problem', (env, message) => {
    expect(problemsOf(env)).toEqual([message]);
  });

  it('reads the hosts connectors may reach beyond public addresses, and refuses what is none', () => {
    expect(loadConfig({}).connectors.allowedHosts).toEqual([]);
    expect(loadConfig({ BERTH_CONNECTOR_ALLOWED_HOSTS: ' warehouse, 10.0.0.5 ,172.16.0.0/12,[::1], fd00::/8,' }).connectors.allowedHosts).toEqual(['warehouse', '10.0.0.5', '172.16.0.0/12', '[::1]', 'fd00::/8']);
    expect(problemsOf({ BERTH_CONNECTOR_ALLOWED_HOSTS: 'warehouse,http://db:5432,10/8,10.0.0.0/33' })).toEqual(
      ['http://db:5432', '10/8', '10.0.0.0/33'].map((entry) => `BERTH_CONNECTOR_ALLOWED_HOSTS has "${entry}", which is not a host name, an IP address or a CIDR range (such as warehouse, 10.0.0.5 or 172.16.0.0/12)`),
    );
  });

  it('reports every problem at once', () => {
    expect(problemsOf({ PORT: '-1', BERTH_ROLE: 'x' })).toHaveLength(2);
  });
});
