import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { badInput, conflict, DomainError, notFound } from '../platform/errors';
import { ConnectorPolicy, type CheckedTarget } from './connector-policy';
import { ConnectorTestResult } from './connector-test-result';
import { Connector, ConnectorTlsMode } from './connector.entity';
import { describeConnectionFailure, isPgDatabaseError, SQLSTATE, targetOf } from './connector.errors';
import { SecretBox, SecretBoxError } from './secret-box';
import { readSql, type Row } from './sql-source';
import { openTableDestination, type DestinationColumn, type TableDestination } from './table-destination';

export interface NewConnector {
  name: string;
  host: string;
  /** 5432 when omitted. */
  port?: number | null;
  database: string;
  user: string;
  /** Empty or omitted: the server needs no password. */
  password?: string | null;
  tlsMode: ConnectorTlsMode;
}

/**
 * What an edit changes: any field left out keeps its value. The password is never shown, so an
 * edit form cannot send it back: omitted keeps it, `clearPassword` removes it.
 */
export type ConnectorChanges = { [K in keyof NewConnector]?: NewConnector[K] | null } & { clearPassword?: boolean | null };

/**
 * Runs before a connector is deleted; throws (a `conflict`, say) to refuse. Pipelines add one
 * that refuses while a pipeline reads from or delivers to the connector.
 */
export type ConnectorDeletionCheck = (connectorId: string) => Promise<void>;

export interface ConnectorServiceOptions {
  /** BERTH_CONNECTOR_ALLOWED_HOSTS: host names, IPs or CIDRs beyond public addresses. */
  allowedHosts?: readonly string[];
  /** Berth's own database, never a connector's; defaults to the URL `db` connects with. */
  ownDatabaseUrl?: string;
  /** `test()` calls per user per minute. */
  testsPerMinute?: number;
}

const CONNECT_TIMEOUT_MS = 5000;
/** Bounds each query of `test()`: a probe should answer quickly or say it could not. */
const TEST_STATEMENT_TIMEOUT_MS = 10_000;
const MAX_IDENTIFIER_BYTES = 63;
const TESTS_PER_MINUTE = 10;
const MINUTE_MS = 60_000;
const HOST_LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

export class ConnectorService {
  private readonly box: SecretBox;
  private readonly deletionChecks: ConnectorDeletionCheck[] = [];
  readonly policy: ConnectorPolicy;
  private readonly testsPerMinute: number;
  /** When each user's recent tests ran (ms), oldest first: a sliding one-minute window. */
  private readonly recentTests = new Map<string, number[]>();

  /** `secret` is the instance secret (BERTH_SECRET, at least 32 characters). */
  constructor(
    private readonly db: DataSource,
    secret: string,
    options: ConnectorServiceOptions = {},
  ) {
    this.box = new SecretBox(secret);
    this.policy = new ConnectorPolicy(options.allowedHosts ?? [], options.ownDatabaseUrl ?? (db.options as { url?: string }).url, db);
    this.testsPerMinute = options.testsPerMinute ?? TESTS_PER_MINUTE;
  }

  private get connectors() {
    return this.db.getRepository(Connector);
  }

  addDeletionCheck(check: ConnectorDeletionCheck): void {
    this.deletionChecks.push(check);
  }

  list(projectId: string): Promise<Connector[]> {
    return this.connectors.find({ where: { projectId }, order: { name: 'ASC' } });
  }

  async get(id: string): Promise<Connector> {
    const connector = await this.connectors.findOneBy({ id });
    if (!connector) throw notFound('Connector', id);
    return connector;
  }

  async create(projectId: string, userId: string | null, input: NewConnector): Promise<Connector> {
    const name = validateName(input.name);
    const host = validateHost(input.host);
    const port = validatePort(input.port);
    const database = validateIdentifier('database', input.database);
    const user = validateIdentifier('user', input.user);
    const tlsMode = validateTlsMode(input.tlsMode);
    const password = validatePassword(input.password);
    // Refused before it is stored: not an allowed address, or Berth's own database. Checked
    // again at every use, since a name may resolve elsewhere later.
    await this.policy.checkIfResolvable(host, port, database);

    if (await this.connectors.existsBy({ projectId, name })) throw nameTaken(name);
    const connector = this.connectors.create({
      projectId,
      name,
      host,
      port,
      database,
      user,
      passwordEncrypted: password === null ? null : this.box.encrypt(password),
      tlsMode,
      createdBy: userId,
    });
    try {
      return await this.connectors.save(connector);
    } catch (error) {
      // Two creations with one name at once: the unique index decides.
      if ((error as { driverError?: { code?: string; constraint?: string } }).driverError?.constraint === 'connectors_project_id_name_key') throw nameTaken(name);
      throw error;
    }
  }

  /**
   * Changes a connector in place (pipelines that use it read and write through the new settings
   * from their next run), with the same checks as a new one.
   */
  async update(id: string, changes: ConnectorChanges): Promise<Connector> {
    const connector = await this.get(id);
    const given = <T>(value: T | null | undefined): value is T => value !== undefined && value !== null;
    const name = given(changes.name) ? validateName(changes.name) : connector.name;
    const host = given(changes.host) ? validateHost(changes.host) : connector.host;
    const port = changes.port === undefined ? connector.port : validatePort(changes.port);
    const database = given(changes.database) ? validateIdentifier('database', changes.database) : connector.database;
    const user = given(changes.user) ? validateIdentifier('user', changes.user) : connector.user;
    const tlsMode = given(changes.tlsMode) ? validateTlsMode(changes.tlsMode) : connector.tlsMode;
    if (changes.clearPassword && given(changes.password) && changes.password !== '') throw badInput('password', 'give a new password or clear it, not both');
    const password = validatePassword(changes.password);
    await this.policy.checkIfResolvable(host, port, database);
    if (name !== connector.name && (await this.connectors.existsBy({ projectId: connector.projectId, name }))) throw nameTaken(name);
    Object.assign(connector, { name, host, port, database, user, tlsMode });
    if (password !== null) connector.passwordEncrypted = this.box.encrypt(password);
    else if (changes.clearPassword) connector.passwordEncrypted = null;
    try {
      return await this.connectors.save(connector);
    } catch (error) {
      if ((error as { driverError?: { code?: string; constraint?: string } }).driverError?.constraint === 'connectors_project_id_name_key') throw nameTaken(name);
      throw error;
    }
  }

  /** Runs the deletion checks first: a connector a pipeline uses is not deleted. */
  async delete(id: string): Promise<void> {
    await this.get(id);
    for (const check of this.deletionChecks) await check(id);
    await this.connectors.delete(id);
  }

  /**
   * Streams the rows of a SELECT on the connector: the target is checked first (allowed
   * addresses, not Berth's own database), then the session (no superuser).
   */
  async *readSql(connector: Connector, sql: string, chunkRows: number): AsyncGenerator<Row[], void, undefined> {
    const { config, target } = await this.checkedConfig(connector);
    yield* readSql(config, sql, { chunkRows, afterConnect: (client) => this.policy.afterConnect(client, connector.user, target) });
  }

  /** A destination table on the connector, with the same checks as `readSql`. */
  async openTable(connector: Connector, table: string, columns: DestinationColumn[], runId: string): Promise<TableDestination> {
    const { config, target } = await this.checkedConfig(connector);
    return openTableDestination(config, table, columns, runId, { afterConnect: (client) => this.policy.afterConnect(client, connector.user, target) });
  }

  /**
   * `clientConfig` pinned to the addresses the policy checked: pg connects to the checked IP
   * (a name resolved again could answer differently), TLS still names the host.
   */
  async checkedConfig(connector: Connector): Promise<{ config: pg.ClientConfig; target: CheckedTarget }> {
    const config = this.clientConfig(connector);
    const target = await this.policy.check(connector.host, connector.port, connector.database);
    if (isIP(connector.host)) return { config, target };
    const ssl = config.ssl === false || config.ssl === undefined ? config.ssl : { ...(config.ssl as object), servername: hostWithoutDot(connector.host) };
    return { config: { ...config, host: target.addresses[0], ssl }, target };
  }

  /** How to connect with `pg`: decrypts the password; TLS per `tlsMode` (libpq's sslmode). */
  clientConfig(connector: Connector): pg.ClientConfig {
    let password = '';
    if (connector.passwordEncrypted !== null) {
      try {
        password = this.box.decrypt(connector.passwordEncrypted);
      } catch (error) {
        if (!(error instanceof SecretBoxError)) throw error;
        throw new DomainError(
          'CONFLICT',
          `the password of connector "${connector.name}" cannot be decrypted: ${error.message}. If BERTH_SECRET changed, delete the connector and create it again`,
        );
      }
    }
    return {
      host: connector.host,
      port: connector.port,
      database: connector.database,
      user: connector.user,
      // A function, even for no password: given '' or nothing, pg would fall back to this
      // server's own PGPASSWORD or ~/.pgpass and send them to the external host.
      password: () => password,
      ssl: sslFor(connector.tlsMode, connector.host),
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'berth',
    };
  }

  /**
   * Connects and tries what pipelines will do: a read-only query, then creating a table in
   * schema public (in a transaction rolled back at once). Never throws for a failed check:
   * the result says how far it got and why it stopped.
   */
  async test(connector: Connector, requestedBy: string | null = null): Promise<ConnectorTestResult> {
    // Each test is a connection attempt to a host of the caller's choice: bounded per user.
    if (requestedBy !== null) this.countTest(requestedBy);
    const result: ConnectorTestResult = { ok: false, reachable: false, authenticated: false, canRead: false, canCreateTables: false, message: '' };
    let config: pg.ClientConfig;
    let checked: CheckedTarget;
    try {
      // A host outside the allowed set gets "not allowed" and nothing else: no connection is tried.
      ({ config, target: checked } = await this.checkedConfig(connector));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { ...result, message: error.message };
    }
    const target = { ...targetOf(config), host: connector.host };
    const where = `${target.host}:${target.port}`;
    const client = new pg.Client({ ...config, statement_timeout: TEST_STATEMENT_TIMEOUT_MS });
    client.on('error', () => undefined);
    try {
      try {
        await client.connect();
      } catch (error) {
        const failure = describeConnectionFailure(error, target);
        return { ...result, reachable: failure.reachable, authenticated: failure.authenticated, message: failure.message };
      }
      result.reachable = true;
      result.authenticated = true;
      try {
        await this.policy.afterConnect(client, connector.user, checked);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return { ...result, message: error.message };
      }

      let readable = 0;
      try {
        await client.query('BEGIN READ ONLY');
        const { rows } = await client.query<{ tables: number }>(
          `SELECT count(*)::int AS tables
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
              AND has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')`,
        );
        readable = rows[0].tables;
        result.canRead = true;
      } catch (error) {
        return { ...result, message: `connected to database "${target.database}" on ${where} as "${target.user}", but a read-only query failed: ${errorText(error)}` };
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
      }

      const probe = `berth_connector_probe_${randomBytes(6).toString('hex')}`;
      const connected = `connected to database "${target.database}" on ${where} as "${target.user}" and can read (${readable} table${readable === 1 ? '' : 's'} readable)`;
      try {
        // A plain BEGIN, like a destination's: it inherits default_transaction_read_only.
        await client.query('BEGIN');
        await client.query(`CREATE TABLE public."${probe}" (probe integer)`);
        result.canCreateTables = true;
      } catch (error) {
        return { ...result, message: `${connected}, but cannot create tables in schema public: ${createFailure(error, target.user)}. It can serve as a pipeline source, not as a destination that creates its table` };
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
      }
      return { ...result, ok: true, message: `${connected} and create tables in schema public` };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private countTest(userId: string): void {
    const now = Date.now();
    const recent = (this.recentTests.get(userId) ?? []).filter((at) => now - at < MINUTE_MS);
    if (recent.length >= this.testsPerMinute) {
      this.recentTests.set(userId, recent);
      const wait = Math.max(1, Math.ceil((MINUTE_MS - (now - recent[0])) / 1000));
      throw new DomainError('RATE_LIMITED', `testConnector: at most ${this.testsPerMinute} tests per minute per user; try again in ${wait} s`, { retryAfterSeconds: wait });
    }
    recent.push(now);
    this.recentTests.set(userId, recent);
    // Forget users who stopped testing, so the map stays as small as the active testers.
    if (this.recentTests.size > 1000) for (const [user, times] of this.recentTests) if (times.every((at) => now - at >= MINUTE_MS)) this.recentTests.delete(user);
  }
}

function hostWithoutDot(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

function createFailure(error: unknown, user: string): string {
  if (isPgDatabaseError(error)) {
    if (error.code === SQLSTATE.insufficientPrivilege) return `permission denied for user "${user}" (grant CREATE on schema public)`;
    if (error.code === SQLSTATE.readOnlyTransaction) return `the session is read-only (default_transaction_read_only is on for the user or database, or the server is a standby)`;
    if (error.code === SQLSTATE.invalidSchemaName) return 'schema public does not exist';
  }
  return errorText(error);
}

function errorText(error: unknown): string {
  if (isPgDatabaseError(error)) return `${error.message} (SQLSTATE ${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

function sslFor(mode: ConnectorTlsMode, host: string): pg.ClientConfig['ssl'] {
  switch (mode) {
    case ConnectorTlsMode.disable:
      return false;
    case ConnectorTlsMode.require:
      // libpq's sslmode=require: encrypted, certificate not checked.
      return { rejectUnauthorized: false };
    case ConnectorTlsMode.verify_full:
      // Node checks the chain against its CAs and the name against `servername` (SNI needs a name, not an IP).
      return { rejectUnauthorized: true, ...(isIP(host) ? {} : { servername: host }) };
  }
}

function nameTaken(name: string): DomainError {
  return conflict(`A connector named "${name}" already exists in this project; choose another name`);
}

function validateName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (!name || name.length > 100) throw badInput('name', 'must be 1 to 100 characters');
  return name;
}

function validateHost(value: unknown): string {
  const host = typeof value === 'string' ? value.trim() : '';
  if (!host) throw badInput('host', 'is required: a host name or IP address such as db.example.com or 10.0.0.5');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) throw badInput('host', `"${host}" has a scheme: give only the host name or IP address, such as db.example.com`);
  if (host.startsWith('/')) throw badInput('host', 'Unix socket paths are not supported: give a host name or IP address');
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare)) return bare;
  if (/^[^:]+:\d+$/.test(host)) throw badInput('host', `"${host}" includes a port: put the host in host and the port in port`);
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length > 253 || !name.split('.').every((label) => HOST_LABEL.test(label))) {
    throw badInput('host', `"${host}" is not a valid host name or IP address (letters, digits, "-" and "." only, such as db.example.com)`);
  }
  return host;
}

function validatePort(value: unknown): number {
  if (value === undefined || value === null) return 5432;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) throw badInput('port', 'must be an integer from 1 to 65535 (PostgreSQL listens on 5432 by default)');
  return value;
}

/** Database and user names: PostgreSQL truncates identifiers to 63 bytes, which would connect elsewhere. */
function validateIdentifier(field: 'database' | 'user', value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!text) throw badInput(field, 'is required');
  if (Buffer.byteLength(text) > MAX_IDENTIFIER_BYTES) throw badInput(field, `must be at most ${MAX_IDENTIFIER_BYTES} bytes: PostgreSQL names are no longer`);
  if (text.includes('\0')) throw badInput(field, 'must not contain a NUL character');
  return text;
}

function validatePassword(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw badInput('password', 'must be a string');
  if (value.length > 1000) throw badInput('password', 'must be at most 1000 characters');
  if (value.includes('\0')) throw badInput('password', 'must not contain a NUL character');
  return value;
}

function validateTlsMode(value: unknown): ConnectorTlsMode {
  if (!Object.values(ConnectorTlsMode).includes(value as ConnectorTlsMode)) throw badInput('tlsMode', 'must be disable, require or verify-full');
  return value as ConnectorTlsMode;
}
