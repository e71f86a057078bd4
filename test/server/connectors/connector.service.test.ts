import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { InstanceRole, User } from '../../../server/auth/user.entity';
import { ConnectorTlsMode } from '../../../server/connectors/connector.entity';
import { ConnectorService, type NewConnector } from '../../../server/connectors/connector.service';
import { DomainError, conflict } from '../../../server/platform/errors';
import { Project } from '../../../server/projects/project.entity';
import { connectorDataSource } from '../../support/connector-database';
import { closedPort, externalPostgres } from '../../support/external-postgres';

const SECRET = 'connector-tests-instance-secret-0123456789';

describe('ConnectorService', async () => {
  const db = await connectorDataSource();
  const external = await externalPostgres();
  // The "external" database is on this machine: the instance setting allows it (and the
  // private addresses the validation cases use); connector-policy.test.ts covers the refusals.
  const allowedHosts = [external.host, '::1', '10.0.0.0/8'];
  const service = new ConnectorService(db, SECRET, { allowedHosts });

  const user = await db.getRepository(User).save({ email: 'ann@test.berth', name: 'Ann', passwordHash: 'x', role: InstanceRole.member });
  const project = await db.getRepository(Project).save({ name: 'Churn', description: '' });

  // PostgreSQL 15 gives nobody but the owner CREATE on schema public: grant it to the writer.
  const writer = await external.createRole(['GRANT CREATE, USAGE ON SCHEMA public TO {role}']);
  const reader = await external.createRole();
  const readOnlySession = await external.createRole(['GRANT CREATE, USAGE ON SCHEMA public TO {role}', 'ALTER ROLE {role} SET default_transaction_read_only = on']);

  let counter = 0;
  const input = (overrides: Partial<NewConnector> = {}): NewConnector => ({
    name: `warehouse ${++counter}`,
    host: external.host,
    port: external.port,
    database: external.database,
    user: writer.user,
    password: writer.password,
    tlsMode: ConnectorTlsMode.disable,
    ...overrides,
  });
  const create = (overrides: Partial<NewConnector> = {}) => service.create(project.id, user.id, input(overrides));

  it('stores the password encrypted, never as itself, and says only that it has one', async () => {
    const connector = await create({ name: 'warehouse' });
    expect(connector.hasPassword).toBe(true);
    const [stored] = await db.query('SELECT password_encrypted, username FROM connectors WHERE id = $1', [connector.id]);
    expect(stored.username).toBe(writer.user);
    expect(stored.password_encrypted).toMatch(/^v1:/);
    expect(stored.password_encrypted).not.toContain(writer.password);
    expect(stored.password_encrypted).not.toContain(Buffer.from(writer.password).toString('base64'));

    const reloaded = await service.get(connector.id);
    expect(reloaded.hasPassword).toBe(true);
    expect((await service.list(project.id)).map((c) => c.name)).toContain('warehouse');

    const withoutPassword = await create({ password: '' });
    expect(withoutPassword.hasPassword).toBe(false);
    expect((await service.get(withoutPassword.id)).passwordEncrypted).toBeNull();
  });

  it('validates each field with a message naming it', async () => {
    const cases: Array<[Partial<NewConnector>, RegExp]> = [
      [{ name: '  ' }, /^name: must be 1 to 100 characters/],
      [{ host: '' }, /^host: is required/],
      [{ host: 'postgres://db.example.com' }, /^host: .* has a scheme/],
      [{ host: 'db.example.com:5432' }, /^host: .* includes a port: put the host in host and the port in port/],
      [{ host: 'db example.com' }, /^host: .* is not a valid host name/],
      [{ host: '/var/run/postgresql' }, /^host: Unix socket paths are not supported/],
      [{ port: 0 }, /^port: must be an integer from 1 to 65535/],
      [{ port: 70000 }, /^port: /],
      [{ port: 5432.5 }, /^port: /],
      [{ database: ' ' }, /^database: is required/],
      [{ database: 'd'.repeat(64) }, /^database: must be at most 63 bytes/],
      [{ user: '' }, /^user: is required/],
      [{ tlsMode: 'prefer' as ConnectorTlsMode }, /^tlsMode: must be disable, require or verify-full/],
    ];
    for (const [overrides, message] of cases) {
      const error = await create(overrides).catch((e: unknown) => e);
      expect(error, JSON.stringify(overrides)).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('BAD_USER_INPUT');
      expect((error as DomainError).message).toMatch(message);
    }
    // IP addresses (v4 and v6, bracketed or not) and names with a trailing dot are hosts.
    expect((await create({ host: '10.0.0.5' })).host).toBe('10.0.0.5');
    expect((await create({ host: '[::1]' })).host).toBe('::1');
    expect((await create({ host: 'db.internal.' })).host).toBe('db.internal.');
    expect((await create({ port: null })).port).toBe(5432);
  });

  it('refuses a second connector with the same name in the project', async () => {
    await create({ name: 'dup' });
    const error = await create({ name: ' dup ' }).catch((e: DomainError) => e);
    expect(error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/named "dup" already exists/) });
    const other = await db.getRepository(Project).save({ name: 'Other', description: '' });
    await expect(service.create(other.id, user.id, input({ name: 'dup' }))).resolves.toMatchObject({ name: 'dup' });
  });

  it('builds pg settings: decrypted password, TLS per mode, 5 s connect timeout, application_name berth', async () => {
    const connector = await create({ tlsMode: ConnectorTlsMode.disable });
    const config = service.clientConfig(connector);
    expect(config).toMatchObject({ host: external.host, port: external.port, database: external.database, user: writer.user, ssl: false, connectionTimeoutMillis: 5000, application_name: 'berth' });
    expect(typeof config.password === 'function' ? await config.password() : config.password).toBe(writer.password);

    expect(service.clientConfig(await create({ tlsMode: ConnectorTlsMode.require })).ssl).toEqual({ rejectUnauthorized: false });
    expect(service.clientConfig(await create({ host: 'db.example.com', tlsMode: ConnectorTlsMode.verify_full })).ssl).toEqual({ rejectUnauthorized: true, servername: 'db.example.com' });
    expect(service.clientConfig(await create({ host: '10.1.2.3', tlsMode: ConnectorTlsMode.verify_full })).ssl).toEqual({ rejectUnauthorized: true });

    // Without a password, pg must not fall back to this server's PGPASSWORD or ~/.pgpass.
    const none = service.clientConfig(await create({ password: null }));
    expect(typeof none.password).toBe('function');
    expect(await (none.password as () => string)()).toBe('');
  });

  it('refuses to decrypt with another BERTH_SECRET, and says what to do', async () => {
    const connector = await create();
    const rotated = new ConnectorService(db, SECRET + '-rotated', { allowedHosts });
    expect(() => rotated.clientConfig(connector)).toThrow(/cannot be decrypted: .*another BERTH_SECRET.*delete the connector and create it again/);
    const result = await rotated.test(connector);
    expect(result).toMatchObject({ ok: false, reachable: false, message: expect.stringMatching(/cannot be decrypted/) });
  });

  describe('test()', () => {
    it('passes every check with a user that can read and create tables', async () => {
      const result = await service.test(await create());
      expect(result).toEqual({
        ok: true,
        reachable: true,
        authenticated: true,
        canRead: true,
        canCreateTables: true,
        message: expect.stringMatching(new RegExp(`connected to database "${external.database}" on ${external.host}:${external.port} as "${writer.user}" and can read .* and create tables in schema public`)),
      });
      // The probe table was rolled back.
      const { rows } = await external.admin(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 'berth_connector_probe_%'`);
      expect(rows[0].n).toBe(0);
    });

    it('says the host is unreachable on a closed port, naming host:port', async () => {
      const port = await closedPort();
      const result = await service.test(await create({ host: '127.0.0.1', port }));
      expect(result).toMatchObject({ ok: false, reachable: false, authenticated: false, canRead: false, canCreateTables: false });
      expect(result.message).toMatch(new RegExp(`host unreachable: nothing accepts connections on 127\\.0\\.0\\.1:${port} \\(connection refused\\)`));
    });

    it('says a host name does not resolve', async () => {
      const result = await service.test(await create({ host: 'no-such-host.invalid' }));
      expect(result).toMatchObject({ ok: false, reachable: false });
      // A resolver that cannot answer at all runs into the connection timeout instead.
      expect(result.message).toMatch(/^host unreachable: (the host name "no-such-host.invalid" cannot be resolved|no answer from no-such-host.invalid:)/);
    });

    it('says the database does not exist', async () => {
      const result = await service.test(await create({ database: 'no_such_database_here' }));
      expect(result).toMatchObject({ ok: false, reachable: true, authenticated: true, canRead: false, canCreateTables: false });
      expect(result.message).toBe(`database "no_such_database_here" does not exist on ${external.host}:${external.port}`);
    });

    it('says authentication failed for a user the server refuses', async () => {
      // The test server trusts 127.0.0.1 (any password works), so a nonexistent role is
      // what makes authentication fail here: SQLSTATE 28000.
      const result = await service.test(await create({ user: 'berth_no_such_role' }));
      expect(result).toMatchObject({ ok: false, reachable: true, authenticated: false, canRead: false });
      expect(result.message).toMatch(/^authentication failed for user "berth_no_such_role" on .*: role "berth_no_such_role" does not exist/);
    });

    it('says the password is wrong, when the server checks passwords', async (ctx) => {
      const probe = new pg.Client({ ...external.config(writer), password: writer.password + '-wrong' });
      const accepted = await probe.connect().then(
        () => true,
        () => false,
      );
      await probe.end().catch(() => undefined);
      // Under trust authentication (the local test server) any password is accepted.
      if (accepted) ctx.skip();
      const result = await service.test(await create({ password: writer.password + '-wrong' }));
      expect(result).toMatchObject({ ok: false, reachable: true, authenticated: false });
      expect(result.message).toMatch(new RegExp(`authentication failed for user "${writer.user}" .*: wrong password`));
    });

    it('says a user without CREATE can read but cannot create tables in schema public', async () => {
      await external.admin('CREATE TABLE IF NOT EXISTS visible (id int)');
      await external.admin(`GRANT SELECT ON visible TO "${reader.user}"`);
      const result = await service.test(await create({ user: reader.user, password: reader.password }));
      expect(result).toMatchObject({ ok: false, reachable: true, authenticated: true, canRead: true, canCreateTables: false });
      expect(result.message).toMatch(/can read \(1 table readable\), but cannot create tables in schema public: permission denied for user ".*" \(grant CREATE on schema public\)/);
      expect(result.message).toMatch(/pipeline source, not as a destination/);
    });

    it('says the session is read-only when default_transaction_read_only is on', async () => {
      const result = await service.test(await create({ user: readOnlySession.user, password: readOnlySession.password }));
      expect(result).toMatchObject({ ok: false, canRead: true, canCreateTables: false });
      expect(result.message).toMatch(/cannot create tables in schema public: the session is read-only \(default_transaction_read_only/);
    });

    it('says when the server does not offer the TLS the connector requires', async () => {
      const { rows } = await external.admin('SHOW ssl');
      const result = await service.test(await create({ tlsMode: ConnectorTlsMode.require }));
      if (rows[0].ssl === 'on') {
        expect(result.ok).toBe(true);
      } else {
        expect(result).toMatchObject({ ok: false, reachable: true, authenticated: false });
        expect(result.message).toMatch(/does not accept TLS connections/);
      }
    });
  });

  it('deletes a connector unless a deletion check refuses', async () => {
    const used = await create();
    const free = await create();
    const guarded = new ConnectorService(db, SECRET, { allowedHosts });
    guarded.addDeletionCheck(async (id) => {
      if (id === used.id) throw conflict('A pipeline still delivers to this connector');
    });
    await expect(guarded.delete(used.id)).rejects.toMatchObject({ code: 'CONFLICT', message: 'A pipeline still delivers to this connector' });
    await expect(guarded.get(used.id)).resolves.toMatchObject({ id: used.id });
    await guarded.delete(free.id);
    await expect(guarded.get(free.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(guarded.delete(free.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("disappears with its project", async () => {
    const doomed = await db.getRepository(Project).save({ name: 'Doomed', description: '' });
    const connector = await service.create(doomed.id, user.id, input());
    await db.getRepository(Project).delete(doomed.id);
    await expect(service.get(connector.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
