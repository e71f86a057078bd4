import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_VARIABLES, loadConfig } from '../../server/config';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | number | { target: number; published?: string | number }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  volumes?: Array<string | { type?: string; source?: string; target: string }>;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

// `merge: true` resolves `<<: *anchor` the way Docker Compose does.
const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
const dockerfile = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));

/** What the person running `docker compose up` provides for the `${VAR:?…}` variables. */
const REQUIRED_FROM_OPERATOR: Record<string, string> = {
  BERTH_SECRET: 'k'.repeat(48),
  BERTH_ADMIN_EMAIL: 'admin@example.com',
  BERTH_ADMIN_PASSWORD: 'a long enough password',
};

/** Compose's interpolation, for the forms the file uses: ${VAR}, ${VAR:-default}, ${VAR:?message}. */
function interpolate(value: string, provided: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g, (_, name: string, operator: string | undefined, argument: string) => {
    const given = provided[name];
    if (operator === ':-' || operator === '-') return given ?? argument;
    if (operator === ':?' || operator === '?') {
      if (given === undefined) throw new Error(`docker-compose.yml requires ${name}: ${argument}`);
      return given;
    }
    if (given === undefined) throw new Error(`docker-compose.yml uses \${${name}} without a default or a required-variable message`);
    return given;
  });
}

function environmentOf(service: ComposeService): Record<string, string> {
  const raw = service.environment ?? {};
  const entries = Array.isArray(raw)
    ? raw.map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1)] as const;
      })
    : Object.entries(raw).map(([name, value]) => [name, value === null ? '' : String(value)] as const);
  return Object.fromEntries(entries);
}

const resolvedEnvironmentOf = (service: ComposeService) =>
  Object.fromEntries(Object.entries(environmentOf(service)).map(([name, value]) => [name, interpolate(value, REQUIRED_FROM_OPERATOR)]));

/** The environment a container of the service starts with: the image's ENV, then compose's. */
const containerEnvironmentOf = (service: ComposeService) => ({ ...dockerfile.env, ...resolvedEnvironmentOf(service) });

const buildOf = (service: ComposeService) => {
  const build = typeof service.build === 'string' ? { context: service.build } : service.build;
  return build && { context: path.resolve(ROOT, build.context ?? '.'), dockerfile: build.dockerfile ?? 'Dockerfile' };
};

/** The container side of a published port: "3000", "8080:3000", "127.0.0.1:8080:3000/tcp", or the long form. */
const containerPortOf = (port: string | number | { target: number }) =>
  typeof port === 'object' ? port.target : Number(String(port).split('/')[0]!.split(':').at(-1));

interface Dockerfile {
  /** The final stage's base image. */
  base: string;
  env: Record<string, string>;
  expose: number[];
  user: string | undefined;
  runs: string[];
  healthcheck: string | undefined;
  /** CMD as one string, whichever form it is written in. */
  cmd: string | undefined;
}

/** Enough of the Dockerfile syntax for these checks, for the final (runtime) stage. */
function parseDockerfile(text: string): Dockerfile {
  const instructions = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, keyword, rest] = /^(\S+)\s*(.*)$/.exec(line)!;
      return { keyword: keyword!.toUpperCase(), rest: rest! };
    });
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
  if (lastFrom === -1) throw new Error('the Dockerfile has no FROM');
  const stage = instructions.slice(lastFrom);
  const execOrShell = (rest: string) => (rest.startsWith('[') ? (JSON.parse(rest) as string[]).join(' ') : rest);

  const env: Record<string, string> = {};
  for (const { rest } of stage.filter((i) => i.keyword === 'ENV')) {
    for (const [, name, value] of rest.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) env[name!] = value!.replace(/^"|"$/g, '');
  }
  const last = (keyword: string) => stage.filter((i) => i.keyword === keyword).at(-1)?.rest;
  const healthcheck = last('HEALTHCHECK');
  return {
    base: stage[0]!.rest.split(/\s+/)[0]!,
    env,
    expose: stage.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.rest.split(/\s+/).map((port) => Number(port.split('/')[0]))),
    user: last('USER'),
    runs: stage.filter((i) => i.keyword === 'RUN').map((i) => i.rest),
    healthcheck: healthcheck && execOrShell(healthcheck.replace(/^(--\S+\s+)*CMD\s+/, '')),
    cmd: last('CMD') && execOrShell(last('CMD')!),
  };
}

const { services } = compose;

describe('docker-compose.yml', () => {
  it('runs postgres, mongodb, an api and a worker', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgres', 'mongodb', 'api', 'worker']));
  });

  it('builds one image from this repository for the api and the worker, with their roles', () => {
    expect(buildOf(services.api!)).toEqual({ context: ROOT, dockerfile: 'Dockerfile' });
    expect(buildOf(services.worker!)).toEqual(buildOf(services.api!));
    expect(services.api!.image).toBe(services.worker!.image);
    expect(environmentOf(services.api!).BERTH_ROLE).toBe('api');
    expect(environmentOf(services.worker!).BERTH_ROLE).toBe('worker');
  });

  it('publishes the port the api listens on, on all interfaces, and nothing for the worker', () => {
    const api = containerEnvironmentOf(services.api!);
    expect(api.HOST).toBe('0.0.0.0');
    expect(api.PORT).toMatch(/^\d+$/);
    expect((services.api!.ports ?? []).map(containerPortOf)).toContain(Number(api.PORT));
    expect(services.worker!.ports ?? []).toEqual([]);
  });

  it('names only environment variables Berth reads', () => {
    for (const service of ['api', 'worker']) {
      for (const name of Object.keys(environmentOf(services[service]!))) {
        expect(ENVIRONMENT_VARIABLES, `${service} sets ${name}`).toContain(name);
      }
    }
  });

  it('points DATABASE_URL at the postgres service and MONGODB_URL at the mongodb service', () => {
    const postgres = environmentOf(services.postgres!);
    for (const service of ['api', 'worker']) {
      const environment = resolvedEnvironmentOf(services[service]!);
      const database = new URL(environment.DATABASE_URL!);
      expect(database.hostname).toBe('postgres');
      expect(database.port || '5432').toBe('5432');
      // The role and database the init script creates on first start, not the superuser.
      expect(decodeURIComponent(database.username)).toBe(postgres.BERTH_DB_USER);
      expect(decodeURIComponent(database.password)).toBe(interpolate(postgres.BERTH_DB_PASSWORD!, REQUIRED_FROM_OPERATOR));
      expect(database.pathname).toBe(`/${postgres.BERTH_DB_NAME}`);
      expect(postgres.BERTH_DB_USER).not.toBe(postgres.POSTGRES_USER);

      const mongodb = new URL(environment.MONGODB_URL!);
      expect(mongodb.hostname).toBe('mongodb');
      expect(mongodb.port || '27017').toBe('27017');
    }
  });

  it('gives the api and the worker a configuration Berth accepts, with one shared secret', () => {
    const api = loadConfig(containerEnvironmentOf(services.api!));
    const worker = loadConfig(containerEnvironmentOf(services.worker!));
    expect(api.role).toBe('api');
    expect(worker.role).toBe('worker');
    expect(api.host).toBe('0.0.0.0');
    expect(api.mongodbUrl).toBeDefined();
    for (const field of ['databaseUrl', 'mongodbUrl', 'secret', 'adminEmail', 'adminPassword', 'publicUrl'] as const) {
      expect(worker[field], field).toEqual(api[field]);
    }
    // Replicas encrypt with the operator's secret: it is required, never defaulted in the file.
    for (const name of ['BERTH_SECRET', 'BERTH_ADMIN_EMAIL', 'BERTH_ADMIN_PASSWORD']) {
      expect(environmentOf(services.api!)[name], name).toMatch(new RegExp(`^\\$\\{${name}:\\?.+\\}$`));
      expect(environmentOf(services.worker!)[name], name).toBe(environmentOf(services.api!)[name]);
    }
  });

  it("connects Berth as a role that is no superuser and owns only Berth's database", () => {
    // The postgres image runs what is mounted on /docker-entrypoint-initdb.d on first start.
    const mounts = (services.postgres!.volumes ?? []).map((volume) => (typeof volume === 'string' ? { source: volume.split(':')[0]!, target: volume.split(':')[1]! } : { source: volume.source!, target: volume.target }));
    const init = mounts.find((m) => m.target === '/docker-entrypoint-initdb.d');
    expect(init, 'init scripts mounted').toBeDefined();
    const folder = path.resolve(ROOT, init!.source);
    const script = readFileSync(path.join(folder, '10-berth-role.sh'), 'utf8');
    expect(statSync(path.join(folder, '10-berth-role.sh')).mode & 0o111, 'executable').not.toBe(0);
    const sql = script.replace(/\s+/g, ' ');
    expect(sql).toMatch(/CREATE ROLE :"berth_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE/);
    expect(sql).toMatch(/CREATE DATABASE :"berth_db" OWNER :"berth_user"/);
    expect(sql).toMatch(/REVOKE ALL ON DATABASE :"berth_db" FROM PUBLIC/);
    expect(sql).toMatch(/REVOKE CONNECT ON DATABASE postgres FROM PUBLIC/);
    expect(sql).toMatch(/ALTER ROLE :"admin" PASSWORD NULL/);
    // It reads the names the compose file gives the container.
    const postgres = environmentOf(services.postgres!);
    for (const name of ['BERTH_DB_USER', 'BERTH_DB_PASSWORD', 'BERTH_DB_NAME', 'POSTGRES_USER']) {
      expect(script, name).toContain(`"$${name}"`);
      expect(postgres[name], name).toBeDefined();
    }
  });

  it('refuses to start without the variables the operator must set', () => {
    expect(() => interpolate(environmentOf(services.api!).BERTH_SECRET!, {})).toThrow(/requires BERTH_SECRET/);
  });

  it('starts the api and the worker once postgres and mongodb are healthy', () => {
    for (const dependency of ['postgres', 'mongodb']) {
      expect(services[dependency]!.healthcheck?.test, `${dependency} health check`).toBeDefined();
      expect(services[dependency]!.volumes?.length, `${dependency} volume`).toBeGreaterThan(0);
      for (const service of ['api', 'worker']) {
        const dependsOn = services[service]!.depends_on as Record<string, { condition?: string }>;
        expect(dependsOn?.[dependency]?.condition, `${service} → ${dependency}`).toBe('service_healthy');
      }
    }
    for (const dependency of ['postgres', 'mongodb']) {
      for (const volume of services[dependency]!.volumes!) {
        const source = typeof volume === 'string' ? volume.split(':')[0]! : volume.source!;
        if (!source.startsWith('.') && !source.startsWith('/')) expect(Object.keys(compose.volumes ?? {})).toContain(source);
      }
    }
  });

  it('gives the api and the worker one shared data folder', () => {
    const mounts = (service: string) => {
      const dataDir = containerEnvironmentOf(services[service]!).BERTH_DATA_DIR;
      expect(dataDir, `${service} BERTH_DATA_DIR`).toMatch(/^\//);
      return (services[service]!.volumes ?? [])
        .map((volume) => (typeof volume === 'string' ? { source: volume.split(':')[0], target: volume.split(':')[1] } : volume))
        .filter((volume) => volume.target === dataDir)
        .map((volume) => volume.source);
    };
    const [volume] = mounts('api');
    expect(Object.keys(compose.volumes ?? {})).toContain(volume);
    expect(mounts('worker')).toEqual([volume]);
  });

  it('does not health-check the worker over HTTP, since it serves none', () => {
    expect(services.worker!.healthcheck?.disable).toBe(true);
  });
});

describe('Dockerfile', () => {
  it('runs server/main.ts with tsx on Node 20, as a non-root user', () => {
    expect(dockerfile.base).toMatch(/^node:20(\.|-|$)/);
    expect(dockerfile.cmd).toMatch(/(^|\s|\/)tsx\s+server\/main\.ts$/);
    expect(dockerfile.user).toBeDefined();
    expect(['root', '0']).not.toContain(dockerfile.user!.split(':')[0]);
  });

  it('exposes the port the api listens on and the image defaults to', () => {
    const port = Number(containerEnvironmentOf(services.api!).PORT);
    expect(dockerfile.expose).toContain(port);
    expect(dockerfile.env.PORT).toBe(String(port));
    expect(dockerfile.env.HOST).toBe('0.0.0.0');
  });

  it('sets only environment variables Berth or its tools read', () => {
    const tools = ['NODE_ENV', 'NEXT_TELEMETRY_DISABLED'];
    for (const name of Object.keys(dockerfile.env)) expect([...ENVIRONMENT_VARIABLES, ...tools], name).toContain(name);
  });

  it('installs production dependencies only in the image it runs', () => {
    expect(dockerfile.runs.some((run) => /\bnpm ci\b.*--omit=dev/.test(run))).toBe(true);
  });

  it('checks health on /healthz with node, not curl (the slim image has none)', () => {
    expect(dockerfile.healthcheck).toMatch(/^node\b/);
    expect(dockerfile.healthcheck).toContain('/healthz');
    expect(dockerfile.healthcheck).toContain('fetch(');
    expect(dockerfile.healthcheck).not.toMatch(/\b(curl|wget)\b/);
  });
});
