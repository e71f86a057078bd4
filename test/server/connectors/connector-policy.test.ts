import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { InstanceRole, User } from '../../../server/auth/user.entity';
import { ConnectorTlsMode, type Connector } from '../../../server/connectors/connector.entity';
import { ConnectorService, type NewConnector } from '../../../server/connectors/connector.service';
import type { Row } from '../../../server/connectors/sql-source';
import { DomainError } from '../../../server/platform/errors';
import { Project } from '../../../server/projects/project.entity';
import { connectorDataSource } from '../../support/connector-database';
import { externalPostgres, openConnections } from '../../support/external-postgres';

const SECRET = 'connector-policy-tests-instance-secret-0123';
const NOT_ALLOWED = /^host ".*" is not allowed: connectors may only reach public addresses; .*BERTH_CONNECTOR_ALLOWED_HOSTS/;
const OWN_DATABASE = /is Berth's own database: connectors may not read or write it/;
const SUPERUSER = /is a PostgreSQL superuser \(or a member of a superuser role\): Berth refuses to connect as one/;

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

async function drain(rows: AsyncIterable<Row[]>): Promise<void> {
  for await (const chunk of rows) void chunk;
}

/** A TCP server on 127.0.0.1 that counts connections and hands each to `handle`. */
async function listener(handle: (socket: net.Socket) => void): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('what connectors may reach', async () => {
  const db = await connectorDataSource();
  const external = await externalPostgres();
  const own = new URL((db.options as { url: string }).url);
  const ownDatabase = decodeURIComponent(own.pathname.slice(1));
  const ownPort = Number(own.port || 5432);

  const user = await db.getRepository(User).save({ email: 'policy@test.berth', name: 'P', passwordHash: 'x', role: InstanceRole.member });
  const project = await db.getRepository(Project).save({ name: 'Policy', description: '' });
  const writer = await external.createRole(['GRANT CREATE, USAGE ON SCHEMA public TO {role}']);

  /** No instance setting: only public addresses. */
  const strict = new ConnectorService(db, SECRET);
  /** This machine allowed, as the tests' "external" database needs. */
  const local = new ConnectorService(db, SECRET, { allowedHosts: [external.host, '127.0.0.1', '::1', 'localhost'] });

  let counter = 0;
  const input = (overrides: Partial<NewConnector> = {}): NewConnector => ({
    name: `c${++counter}`,
    host: external.host,
    port: external.port,
    database: external.database,
    user: writer.user,
    password: writer.password,
    tlsMode: ConnectorTlsMode.disable,
    ...overrides,
  });

  /** A connector row as an older Berth (or a host name that since moved) could have left it. */
  const stored = async (changes: Partial<Pick<Connector, 'host' | 'port' | 'database' | 'user'>>): Promise<Connector> => {
    const connector = await local.create(project.id, user.id, input());
    await db.getRepository('Connector').update(connector.id, changes);
    return local.get(connector.id);
  };

  it('refuses loopback, private, link-local, metadata and other special addresses without the instance setting', async () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '0.0.0.0', '::', '10.0.0.5', '172.16.3.4', '192.168.1.10', '100.64.0.1', '169.254.169.254', 'fe80::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '224.0.0.1', '255.255.255.255']) {
      const error = await rejection(strict.create(project.id, user.id, input({ host })));
      expect(error.code, host).toBe('BAD_USER_INPUT');
      expect(error.message, host).toMatch(NOT_ALLOWED);
    }
    // A public address is fine (creating does not connect).
    await expect(strict.create(project.id, user.id, input({ host: '8.8.8.8' }))).resolves.toMatchObject({ host: '8.8.8.8' });
    await expect(strict.create(project.id, user.id, input({ host: '2001:4860:4860::8888' }))).resolves.toMatchObject({ host: '2001:4860:4860::8888' });
  });

  it('allows what BERTH_CONNECTOR_ALLOWED_HOSTS lists: by CIDR range, address or host name, and nothing more', async () => {
    const allowing = new ConnectorService(db, SECRET, { allowedHosts: ['10.0.0.0/8', '169.254.169.254', 'localhost', '[fd12::1]'] });
    for (const host of ['10.0.0.5', '10.255.1.2', '::ffff:10.1.1.1', '169.254.169.254', 'localhost', 'LOCALHOST.', 'fd12::1']) {
      await expect(allowing.create(project.id, user.id, input({ host })), host).resolves.toMatchObject({ host: expect.any(String) });
    }
    // Allowing the name "localhost" is not allowing its address by any other name, nor other ranges.
    for (const host of ['127.0.0.1', '192.168.0.1', '169.254.169.253', 'fd12::2']) {
      expect((await rejection(allowing.create(project.id, user.id, input({ host })))).message, host).toMatch(NOT_ALLOWED);
    }
  });

  it("refuses Berth's own database at creation, by any name of its server, and allows another database there", async () => {
    for (const host of [own.hostname, '127.0.0.1', 'localhost', '::1']) {
      const error = await rejection(local.create(project.id, user.id, input({ host, port: ownPort, database: ownDatabase })));
      expect(error.code, host).toBe('BAD_USER_INPUT');
      expect(error.message, host).toMatch(OWN_DATABASE);
    }
    await expect(local.create(project.id, user.id, input({ host: '127.0.0.1', port: ownPort, database: external.database }))).resolves.toMatchObject({ database: external.database });
  });

  it("refuses at every use a stored connector that points at Berth's own database, before connecting", async () => {
    const connector = await stored({ host: '127.0.0.1', port: ownPort, database: ownDatabase });
    const tested = await local.test(connector);
    expect(tested).toMatchObject({ ok: false, reachable: false, authenticated: false });
    expect(tested.message).toMatch(OWN_DATABASE);
    expect((await rejection(drain(local.readSql(connector, 'SELECT id, password_hash FROM users', 100)))).message).toMatch(OWN_DATABASE);
    expect((await rejection(local.openTable(connector, 'stolen', [{ name: 'x', type: 'text' }], 'run-1'))).message).toMatch(OWN_DATABASE);
    expect(await openConnections(external, writer.user)).toBe(0);
  });

  it("refuses after connecting when another address or port leads to Berth's own database (a forwarded port)", async () => {
    // Forwards every connection to Berth's own server: the address check cannot know.
    const forward = await listener((socket) => {
      const upstream = net.connect(ownPort, own.hostname);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    try {
      const connector = await stored({ host: '127.0.0.1', port: forward.port, database: ownDatabase });
      const tested = await local.test(connector);
      expect(tested).toMatchObject({ ok: false, reachable: true, authenticated: true, canRead: false });
      expect(tested.message).toMatch(OWN_DATABASE);
      expect((await rejection(drain(local.readSql(connector, 'SELECT id, password_hash FROM users', 100)))).message).toMatch(OWN_DATABASE);
      expect((await rejection(local.openTable(connector, 'stolen', [{ name: 'x', type: 'text' }], 'run-1'))).message).toMatch(OWN_DATABASE);
      expect(forward.connections()).toBe(3);
    } finally {
      await forward.close();
    }
  });

  it('refuses to work as a superuser, or as a member of a superuser role', async () => {
    const superuser = await external.createRole(['ALTER ROLE {role} SUPERUSER']);
    const member = await external.createRole([`GRANT "${superuser.user}" TO {role}`]);
    for (const role of [superuser, member]) {
      const connector = await local.create(project.id, user.id, input({ user: role.user, password: role.password }));
      const tested = await local.test(connector);
      expect(tested).toMatchObject({ ok: false, reachable: true, authenticated: true, canRead: false, canCreateTables: false });
      expect(tested.message).toMatch(SUPERUSER);
      const read = await rejection(drain(local.readSql(connector, 'SELECT 1 AS one', 100)));
      expect(read).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(SUPERUSER) });
      expect((await rejection(local.openTable(connector, 'as_super', [{ name: 'x', type: 'text' }], 'run-1'))).message).toMatch(SUPERUSER);
      expect(await openConnections(external, role.user)).toBe(0);
    }
    // The same database as an ordinary role works.
    const ordinary = await local.create(project.id, user.id, input());
    expect(await local.test(ordinary)).toMatchObject({ ok: true });
  });

  it('answers only "not allowed" for a host outside the allowed set, without any connection attempt', async () => {
    const server = await listener((socket) => socket.destroy());
    try {
      const connector = await stored({ host: '127.0.0.1', port: server.port });
      const answer = await strict.test(connector);
      expect(answer).toEqual({ ok: false, reachable: false, authenticated: false, canRead: false, canCreateTables: false, message: expect.stringMatching(NOT_ALLOWED) });
      expect(answer.message).not.toContain(String(server.port));
      await expect(drain(strict.readSql(connector, 'SELECT 1', 10))).rejects.toThrow(NOT_ALLOWED);
      await expect(strict.openTable(connector, 't', [{ name: 'x', type: 'text' }], 'run-1')).rejects.toThrow(NOT_ALLOWED);
      expect(server.connections()).toBe(0);
      // Where it is allowed, the same connector is tried (and this listener hangs up).
      expect((await local.test(connector)).message).not.toMatch(NOT_ALLOWED);
      expect(server.connections()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('limits tests to 10 per minute per user, with a clear error beyond', async () => {
    const limited = new ConnectorService(db, SECRET);
    const connector = await stored({ host: '10.1.2.3' });
    for (let i = 0; i < 10; i++) expect((await limited.test(connector, 'user-a')).message).toMatch(NOT_ALLOWED);
    const refused = await rejection(limited.test(connector, 'user-a'));
    expect(refused.code).toBe('RATE_LIMITED');
    expect(refused.message).toMatch(/^testConnector: at most 10 tests per minute per user; try again in \d+ s$/);
    // Another user has their own allowance.
    expect((await limited.test(connector, 'user-b')).ok).toBe(false);
  });
});
