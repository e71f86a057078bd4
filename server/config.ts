import { isIP } from 'node:net';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import type { LogLevel } from './platform/logger';
import type { ArtifactSettings } from './platform/artifacts';

export type { LogLevel };
export type Role = 'api' | 'worker' | 'all';

export interface Config {
  /** External PostgreSQL; when absent an embedded PostgreSQL runs under `dataDir`. */
  databaseUrl: string | undefined;
  /** Agenda runs on MongoDB when set, else on the main PostgreSQL database. */
  mongodbUrl: string | undefined;
  host: string;
  port: number;
  /** The URL people open; printed at start and used in links. */
  publicUrl: string;
  /** BERTH_PUBLIC_URL was set: only its origin may use the session cookie (else the origin a request was sent to). */
  publicUrlConfigured: boolean;
  /** Whether callers without credentials may introspect the GraphQL schema and get "Did you mean …" hints. */
  graphqlIntrospection: boolean;
  /** The licence deployments' OpenAPI documents state for their API: an SPDX identifier (BERTH_API_LICENSE). */
  apiLicense: string;
  dataDir: string;
  /** Key material for encryption at rest; generated into the data folder when unset. */
  secret: string | undefined;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  role: Role;
  logLevel: LogLevel;
  /** LOG_FORMAT: readable lines (pino-pretty) or JSON; `auto` is pretty on a terminal outside production. */
  logFormat: 'auto' | 'pretty' | 'json';
  /** BERTH_ACCESS_LOG: one log line per predict request, for a sampled share of them (off by default: the hot path). */
  accessLog: { predict: boolean; sampleRate: number };
  /** Where datasets, model files and pipeline results live (BERTH_ARTIFACTS_URL). */
  artifacts: ArtifactSettings;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  embeddedPostgresPort: number;
  /** Serve the Next.js console from the same port (needs `npm run console:build`). */
  serveConsole: boolean;
  /** Create demo data on an empty instance. */
  demo: boolean;
  connectors: {
    /**
     * BERTH_CONNECTOR_ALLOWED_HOSTS: host names, IP addresses and CIDR ranges connectors may
     * reach beyond public addresses (loopback, private, link-local… are refused otherwise).
     */
    allowedHosts: string[];
  };
  limits: {
    bodyBytes: number;
    graphqlDepth: number;
    graphqlCost: number;
    /** Largest uploaded file (datasets, model files). */
    uploadBytes: number;
    /** Most rows a dataset may have. */
    datasetRows: number;
    /** Most rows in one predict request. */
    predictRows: number;
    /** Predict requests per minute per API key or client address. */
    predictRatePerMinute: number;
  };
  monitoring: {
    /** Days of raw predictions kept (whole daily partitions are dropped). */
    logRetentionDays: number;
    /** Days of hourly aggregates kept. */
    aggregateRetentionDays: number;
  };
  serving: {
    /** How long a micro-batch waits for more rows. */
    batchDelayMs: number;
    /** Most challenger rows waiting; beyond it they are shed and counted. */
    challengerQueueRows: number;
    /** How long challenger rows wait for others to share a model call (off the latency path). */
    challengerBatchMs: number;
    /** How often each deployment is probed through its HTTP predict route (0: never). */
    probeIntervalMs: number;
    /** BERTH_RUNTIME: what serves Berth-trained models (auto: ONNX Runtime, TF.js when it cannot load). */
    runtime: 'auto' | 'tfjs' | 'onnx';
  };
}

/** A start-up refusal that names the variable and what is wrong with it. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Every environment variable Berth reads, documented in README's configuration table. */
export const ENVIRONMENT_VARIABLES = [
  'DATABASE_URL',
  'MONGODB_URL',
  'HOST',
  'PORT',
  'BERTH_PUBLIC_URL',
  'BERTH_API_LICENSE',
  'BERTH_DATA_DIR',
  'BERTH_SECRET',
  'BERTH_ADMIN_EMAIL',
  'BERTH_ADMIN_PASSWORD',
  'BERTH_ROLE',
  'LOG_LEVEL',
  'BERTH_EMBEDDED_PG_PORT',
  'BERTH_CONSOLE',
  'BERTH_DEMO',
  'BERTH_MAX_BODY_BYTES',
  'BERTH_GRAPHQL_MAX_DEPTH',
  'BERTH_GRAPHQL_MAX_COST',
  'BERTH_MAX_UPLOAD_BYTES',
  'BERTH_MAX_DATASET_ROWS',
  'BERTH_MAX_PREDICT_ROWS',
  'BERTH_PREDICT_RATE_LIMIT',
  'BERTH_BATCH_DELAY_MS',
  'BERTH_CHALLENGER_QUEUE_ROWS',
  'BERTH_CHALLENGER_BATCH_MS',
  'BERTH_PROBE_INTERVAL_MS',
  'BERTH_RUNTIME',
  'BERTH_LOG_RETENTION_DAYS',
  'BERTH_AGGREGATE_RETENTION_DAYS',
  'BERTH_METRICS_TOKEN',
  'BERTH_GRAPHQL_INTROSPECTION',
  'BERTH_CONNECTOR_ALLOWED_HOSTS',
  'LOG_FORMAT',
  'BERTH_ACCESS_LOG',
  'BERTH_ACCESS_LOG_SAMPLE',
  'BERTH_ARTIFACTS_URL',
  'BERTH_S3_ENDPOINT',
  'BERTH_S3_REGION',
  'BERTH_S3_ACCESS_KEY_ID',
  'BERTH_S3_SECRET_ACCESS_KEY',
  'BERTH_S3_FORCE_PATH_STYLE',
  'BERTH_S3_PRESIGNED_DOWNLOADS',
] as const;

/** NODE_ENV is read too, only to choose defaults (the image sets it to production). */
type Env = Partial<Record<(typeof ENVIRONMENT_VARIABLES)[number] | 'NODE_ENV', string>>;

export function loadConfig(env: Env = process.env as Env): Config {
  const problems: string[] = [];
  const read = (name: keyof Env) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };

  const integer = (name: keyof Env, fallback: number, min: number, max: number) => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };

  const url = (name: keyof Env, protocols: string[]) => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got "${parsed.protocol}//…"`);
      }
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return raw;
  };

  const oneOf = <T extends string>(name: keyof Env, allowed: readonly T[], fallback: T): T => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!allowed.includes(raw as T)) {
      problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw as T;
  };

  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const mongodbUrl = url('MONGODB_URL', ['mongodb:', 'mongodb+srv:']);
  const host = read('HOST') ?? '127.0.0.1';
  const port = integer('PORT', 3000, 0, 65535);
  const publicUrl = url('BERTH_PUBLIC_URL', ['http:', 'https:']) ?? `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`;

  const secret = read('BERTH_SECRET');
  if (secret !== undefined && secret.length < 32) {
    problems.push(`BERTH_SECRET must be at least 32 characters long (got ${secret.length}); generate one with: openssl rand -base64 48`);
  }

  const adminEmail = read('BERTH_ADMIN_EMAIL');
  if (adminEmail !== undefined && !/^[^@\s]+@[^@\s]+$/.test(adminEmail)) {
    problems.push(`BERTH_ADMIN_EMAIL must be an email address, got "${adminEmail}"`);
  }
  const adminPassword = read('BERTH_ADMIN_PASSWORD');
  if (adminPassword !== undefined && adminPassword.length < 10) {
    problems.push('BERTH_ADMIN_PASSWORD must be at least 10 characters long');
  }
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    problems.push('BERTH_ADMIN_EMAIL and BERTH_ADMIN_PASSWORD must be set together (or neither, to have a password generated)');
  }

  const metricsToken = read('BERTH_METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 16) problems.push('BERTH_METRICS_TOKEN must be at least 16 characters long');

  const allowedHosts = (read('BERTH_CONNECTOR_ALLOWED_HOSTS') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of allowedHosts) {
    const bare = entry.startsWith('[') && entry.endsWith(']') ? entry.slice(1, -1) : entry;
    const valid = entry.includes('/') ? ipaddr.isValidCIDR(entry) && isIP(entry.slice(0, entry.indexOf('/'))) !== 0 : isIP(bare) !== 0 || /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/.test(entry);
    if (!valid) problems.push(`BERTH_CONNECTOR_ALLOWED_HOSTS has "${entry}", which is not a host name, an IP address or a CIDR range (such as warehouse, 10.0.0.5 or 172.16.0.0/12)`);
  }

  const artifacts = ((): ArtifactSettings => {
    const raw = read('BERTH_ARTIFACTS_URL');
    const endpoint = url('BERTH_S3_ENDPOINT', ['http:', 'https:']);
    const accessKeyId = read('BERTH_S3_ACCESS_KEY_ID');
    const secretAccessKey = read('BERTH_S3_SECRET_ACCESS_KEY');
    if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) problems.push('BERTH_S3_ACCESS_KEY_ID and BERTH_S3_SECRET_ACCESS_KEY must be set together (or neither, to use the AWS SDK credential chain)');
    const forcePathStyle = oneOf('BERTH_S3_FORCE_PATH_STYLE', ['on', 'off'] as const, endpoint ? 'on' : 'off') === 'on';
    if (raw === undefined) {
      for (const name of ['BERTH_S3_ENDPOINT', 'BERTH_S3_REGION', 'BERTH_S3_ACCESS_KEY_ID'] as const) {
        if (read(name) !== undefined) problems.push(`${name} is set but BERTH_ARTIFACTS_URL is not: set BERTH_ARTIFACTS_URL=s3://bucket/prefix to store artifacts in S3`);
      }
      return { kind: 'local' };
    }
    const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(raw);
    if (!match) {
      problems.push(`BERTH_ARTIFACTS_URL must look like s3://bucket or s3://bucket/prefix (a bucket name of 3 to 63 lowercase letters, digits, dots and hyphens), got "${raw}"`);
      return { kind: 'local' };
    }
    return {
      kind: 's3',
      bucket: match[1]!,
      prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, ''),
      endpoint,
      // A self-hosted endpoint ignores the region, but the SDK needs one to sign requests.
      region: read('BERTH_S3_REGION') ?? (endpoint ? 'us-east-1' : undefined),
      credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
      forcePathStyle,
      presignedDownloads: oneOf('BERTH_S3_PRESIGNED_DOWNLOADS', ['on', 'off'] as const, 'off') === 'on',
    };
  })();

  // The generated secret lives in the data folder, which is per-replica scratch once artifacts are
  // in object storage: each replica (and each restart on a fresh disk) would encrypt with its own.
  if (artifacts.kind === 's3' && secret === undefined) {
    problems.push('BERTH_SECRET must be set when BERTH_ARTIFACTS_URL points at object storage: every replica must share it, and the data folder is no place to keep it (openssl rand -base64 48)');
  }

  const sampleRaw = read('BERTH_ACCESS_LOG_SAMPLE');
  let sampleRate = 0.01;
  if (sampleRaw !== undefined) {
    const value = Number(sampleRaw);
    if (!Number.isFinite(value) || value <= 0 || value > 1) problems.push(`BERTH_ACCESS_LOG_SAMPLE must be a share above 0 and at most 1 (0.01 logs one predict request in 100), got "${sampleRaw}"`);
    else sampleRate = value;
  }

  const consoleSetting = oneOf('BERTH_CONSOLE', ['on', 'off'] as const, 'on');
  const apiLicense = read('BERTH_API_LICENSE') ?? 'LicenseRef-Proprietary';
  // An SPDX licence identifier (Apache-2.0, MIT, LicenseRef-…): what OpenAPI's license.identifier takes.
  if (!/^[A-Za-z0-9][A-Za-z0-9.+-]*$/.test(apiLicense)) problems.push(`BERTH_API_LICENSE must be an SPDX licence identifier such as Apache-2.0 or LicenseRef-Internal, got "${apiLicense}"`);

  const config: Config = {
    databaseUrl,
    mongodbUrl,
    host,
    port,
    publicUrl: publicUrl.replace(/\/$/, ''),
    publicUrlConfigured: read('BERTH_PUBLIC_URL') !== undefined,
    apiLicense,
    // Off for anonymous callers in production: the schema is a map for whoever probes the instance.
    graphqlIntrospection: oneOf('BERTH_GRAPHQL_INTROSPECTION', ['on', 'off'] as const, read('NODE_ENV') === 'production' ? 'off' : 'on') === 'on',
    dataDir: path.resolve(read('BERTH_DATA_DIR') ?? '.berth'),
    secret,
    adminEmail: adminEmail?.toLowerCase(),
    adminPassword,
    role: oneOf('BERTH_ROLE', ['api', 'worker', 'all'] as const, 'all'),
    metricsToken,
    logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    logFormat: oneOf('LOG_FORMAT', ['auto', 'pretty', 'json'] as const, read('NODE_ENV') === 'production' ? 'json' : 'auto'),
    accessLog: { predict: oneOf('BERTH_ACCESS_LOG', ['on', 'off'] as const, 'off') === 'on', sampleRate },
    artifacts,
    embeddedPostgresPort: integer('BERTH_EMBEDDED_PG_PORT', 54329, 1024, 65535),
    serveConsole: consoleSetting === 'on',
    demo: oneOf('BERTH_DEMO', ['on', 'off'] as const, 'on') === 'on',
    connectors: { allowedHosts },
    limits: {
      bodyBytes: integer('BERTH_MAX_BODY_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024),
      graphqlDepth: integer('BERTH_GRAPHQL_MAX_DEPTH', 10, 2, 100),
      graphqlCost: integer('BERTH_GRAPHQL_MAX_COST', 1000, 10, 1_000_000),
      uploadBytes: integer('BERTH_MAX_UPLOAD_BYTES', 100 * 1024 * 1024, 1024, 10 * 1024 * 1024 * 1024),
      datasetRows: integer('BERTH_MAX_DATASET_ROWS', 1_000_000, 10, 100_000_000),
      predictRows: integer('BERTH_MAX_PREDICT_ROWS', 1000, 1, 1_000_000),
      predictRatePerMinute: integer('BERTH_PREDICT_RATE_LIMIT', 60_000, 1, 100_000_000),
    },
    monitoring: {
      logRetentionDays: integer('BERTH_LOG_RETENTION_DAYS', 30, 1, 3650),
      aggregateRetentionDays: integer('BERTH_AGGREGATE_RETENTION_DAYS', 400, 1, 36500),
    },
    serving: {
      // 0: a batch takes what arrived in the same turn of the event loop. Waiting longer idles the
      // server when every open connection is already in the batch (measured by bench:serve).
      batchDelayMs: integer('BERTH_BATCH_DELAY_MS', 0, 0, 1000),
      challengerQueueRows: integer('BERTH_CHALLENGER_QUEUE_ROWS', 10_000, 0, 10_000_000),
      // No client waits for the challenger: fewer, fuller model calls leave the CPU to main requests.
      challengerBatchMs: integer('BERTH_CHALLENGER_BATCH_MS', 10, 0, 1000),
      probeIntervalMs: integer('BERTH_PROBE_INTERVAL_MS', 30_000, 0, 86_400_000),
      runtime: oneOf('BERTH_RUNTIME', ['auto', 'tfjs', 'onnx'] as const, 'auto'),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
