import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_VARIABLES, loadConfig } from '../../server/config';
import { parseDockerfile } from '../support/dockerfile';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
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

/** Compose's interpolation, for the forms the file uses: ${VAR}, ${VAR:-default}, ${VAR:?message}, $$. */
function interpolate(value: string, provided: Record<string, string>): string {
  return value
    .replace(/\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g, (_, name: string, operator: string | undefined, argument: string) => {
      const given = provided[name];
      if (operator === ':-' || operator === '-') return given ?? argument;
      if (operator === ':?' || operator === '?') {
        if (given === undefined) throw new Error(`docker-compose.yml requires ${name}: ${argument}`);
        return given;
      }
      if (given === undefined) throw new Error(`docker-compose.yml uses \${${name}} without a default or a required-variable message`);
      return given;
    })
    .replace(/\$\$/g, '$');
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

const mountsOf = (service: ComposeService) =>
  (service.volumes ?? []).map((volume) => (typeof volume === 'string' ? { source: volume.split(':')[0]!, target: volume.split(':')[1]! } : { source: volume.source ?? '', target: volume.target }));

const dependsOn = (service: ComposeService) => (service.depends_on ?? {}) as Record<string, { condition?: string }>;

const { services } = compose;
/** Every service that runs Berth's image. */
const berthServices = Object.keys(services).filter((name) => buildOf(services[name]!)?.context === ROOT);

describe('docker-compose.yml', () => {
  it('runs Berth (api and worker) from this repository beside postgres, mongodb and minio', () => {
    expect(berthServices.sort()).toEqual(['api', 'worker']);
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgres', 'mongodb', 'minio']));
    expect(buildOf(services.worker!)).toEqual(buildOf(services.api!));
  });

  it('gives every Berth container a configuration Berth accepts, with the same shared settings', () => {
    const api = loadConfig(containerEnvironmentOf(services.api!));
    const worker = loadConfig(containerEnvironmentOf(services.worker!));
    expect(api.role).toBe('api');
    expect(worker.role).toBe('worker');
    expect(api.host).toBe('0.0.0.0');
    for (const field of ['databaseUrl', 'mongodbUrl', 'secret', 'adminEmail', 'adminPassword', 'publicUrl', 'artifacts'] as const) {
      expect(worker[field], field).toEqual(api[field]);
    }
    for (const service of berthServices) {
      for (const name of Object.keys(environmentOf(services[service]!))) expect(ENVIRONMENT_VARIABLES, `${service} sets ${name}`).toContain(name);
    }
  });

  it('refuses to start without the variables the operator must set', () => {
    for (const name of Object.keys(REQUIRED_FROM_OPERATOR)) {
      const { [name]: _missing, ...others } = REQUIRED_FROM_OPERATOR;
      expect(() => interpolate(environmentOf(services.api!)[name]!, others), name).toThrow(new RegExp(`requires ${name}`));
    }
  });

  it('points DATABASE_URL at the berth role of the postgres service, MONGODB_URL at mongodb', () => {
    const postgres = resolvedEnvironmentOf(services.postgres!);
    const environment = resolvedEnvironmentOf(services.api!);
    const database = new URL(environment.DATABASE_URL!);
    expect(database.hostname).toBe('postgres');
    expect(decodeURIComponent(database.username)).toBe(postgres.BERTH_DB_USER);
    expect(decodeURIComponent(database.password)).toBe(postgres.BERTH_DB_PASSWORD);
    expect(database.pathname).toBe(`/${postgres.BERTH_DB_NAME}`);
    expect(postgres.BERTH_DB_USER).not.toBe(postgres.POSTGRES_USER);
    expect(new URL(environment.MONGODB_URL!).hostname).toBe('mongodb');
    // The postgres image runs what is mounted there on first start: the script creating that role.
    const init = mountsOf(services.postgres!).find((m) => m.target === '/docker-entrypoint-initdb.d');
    expect(statSync(path.join(ROOT, init!.source, '10-berth-role.sh')).mode & 0o111, 'executable').not.toBe(0);
  });

  it('stores artifacts in the bucket minio-init creates on the minio service, with MinIO\'s credentials', () => {
    const config = loadConfig(containerEnvironmentOf(services.api!));
    if (config.artifacts.kind !== 's3') throw new Error('the api does not use object storage');
    expect(new URL(config.artifacts.endpoint!).hostname).toBe('minio');
    const minio = resolvedEnvironmentOf(services.minio!);
    expect(config.artifacts.credentials).toEqual({ accessKeyId: minio.MINIO_ROOT_USER, secretAccessKey: minio.MINIO_ROOT_PASSWORD });
    expect(minio.MINIO_ROOT_PASSWORD!.length, 'MinIO needs 8+ characters').toBeGreaterThanOrEqual(8);
    const init = services['minio-init']!;
    const script = interpolate([init.entrypoint, init.command].flat().filter(Boolean).join(' '), REQUIRED_FROM_OPERATOR);
    expect(script).toContain(`mb --ignore-existing local/${config.artifacts.bucket}`);
    for (const service of berthServices) expect(dependsOn(services[service]!)['minio-init']?.condition, service).toBe('service_completed_successfully');
  });

  it('shares no volume between Berth containers, so API replicas can be scaled', () => {
    for (const service of berthServices) expect(mountsOf(services[service]!), service).toEqual([]);
    expect(services.api!.ports ?? [], 'a scaled service cannot publish one host port').toEqual([]);
  });

  it('publishes one port, on the proxy, which forwards to the port the api replicas listen on', () => {
    const published = Object.entries(services).filter(([, service]) => (service.ports ?? []).length > 0);
    expect(published.map(([name]) => name)).toEqual(['proxy']);
    const apiPort = Number(containerEnvironmentOf(services.api!).PORT);
    const command = [services.proxy!.command].flat().join(' ');
    expect(command).toContain(`--to api:${apiPort}`);
    const listens = Number(/--from :(\d+)/.exec(command)![1]);
    expect((services.proxy!.ports ?? []).map(containerPortOf)).toContain(listens);
    expect(dependsOn(services.proxy!).api?.condition).toBe('service_healthy');
  });

  it('starts Berth once its dependencies are healthy, keeping their data in named volumes', () => {
    for (const dependency of ['postgres', 'mongodb', 'minio']) {
      expect(services[dependency]!.healthcheck?.test, `${dependency} health check`).toBeDefined();
      const named = mountsOf(services[dependency]!).filter((m) => !m.source.startsWith('.') && !m.source.startsWith('/'));
      expect(named.length, `${dependency} volume`).toBeGreaterThan(0);
      for (const volume of named) expect(Object.keys(compose.volumes ?? {})).toContain(volume.source);
    }
    for (const service of berthServices) {
      for (const dependency of ['postgres', 'mongodb']) expect(dependsOn(services[service]!)[dependency]?.condition, `${service} → ${dependency}`).toBe('service_healthy');
    }
    expect(services.worker!.healthcheck?.disable, 'a worker serves no HTTP').toBe(true);
  });
});
