import { describe, expect, it } from 'vitest';
import { InstanceRole, User } from '../../../server/auth/user.entity';
import { ConnectorTlsMode } from '../../../server/connectors/connector.entity';
import { ConnectorService, type NewConnector } from '../../../server/connectors/connector.service';
import { DomainError } from '../../../server/platform/errors';
import { Project } from '../../../server/projects/project.entity';
import { connectorDataSource } from '../../support/connector-database';
import { externalPostgres } from '../../support/external-postgres';

const SECRET = 'connector-tests-instance-secret-0123456789';

/** Editing a connector (the console's Edit form): what changes, what stays, what is refused. */
describe('ConnectorService.update', async () => {
  const db = await connectorDataSource();
  const external = await externalPostgres();
  const service = new ConnectorService(db, SECRET, { allowedHosts: [external.host, '10.0.0.0/8'] });
  const user = await db.getRepository(User).save({ email: 'eve@test.berth', name: 'Eve', passwordHash: 'x', role: InstanceRole.member });
  const project = await db.getRepository(Project).save({ name: 'Edits', description: '' });
  const writer = await external.createRole(['GRANT CREATE, USAGE ON SCHEMA public TO {role}']);
  const other = await external.createRole(['GRANT CREATE, USAGE ON SCHEMA public TO {role}']);
  let counter = 0;
  const create = (overrides: Partial<NewConnector> = {}) =>
    service.create(project.id, user.id, {
      name: `edit me ${++counter}`,
      host: external.host,
      port: external.port,
      database: external.database,
      user: writer.user,
      password: writer.password,
      tlsMode: ConnectorTlsMode.disable,
      ...overrides,
    });
  // The pg config decrypts the password when a connection asks for it.
  const storedPassword = async (id: string) => {
    const { password } = (await service.checkedConfig(await service.get(id))).config;
    return typeof password === 'function' ? await password() : (password ?? null);
  };

  it('changes the fields given and keeps the others, the password included', async () => {
    const connector = await create();
    const updated = await service.update(connector.id, { name: '  Renamed  ', user: other.user });
    expect(updated).toMatchObject({ name: 'Renamed', user: other.user, host: external.host, port: external.port, database: external.database, tlsMode: ConnectorTlsMode.disable });
    expect(await storedPassword(connector.id)).toBe(writer.password);
    // It still connects, now as the other role.
    const result = await service.test(await service.get(connector.id));
    expect(result).toMatchObject({ ok: true, authenticated: true });
  });

  it('replaces the password when a new one is given (encrypted, never stored as itself), and clears it on request', async () => {
    const connector = await create();
    await service.update(connector.id, { password: other.password });
    expect(await storedPassword(connector.id)).toBe(other.password);
    const [row] = await db.query('SELECT password_encrypted FROM connectors WHERE id = $1', [connector.id]);
    expect(row.password_encrypted).not.toContain(other.password);
    // An empty password keeps the current one: the form never shows it, so it cannot send it back.
    await service.update(connector.id, { password: '' });
    expect(await storedPassword(connector.id)).toBe(other.password);
    const cleared = await service.update(connector.id, { clearPassword: true });
    expect(cleared.hasPassword).toBe(false);
    await expect(service.update(connector.id, { password: 'x', clearPassword: true })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'password' } });
  });

  it('refuses what creating refuses, naming the field, and a name another connector of the project has', async () => {
    const connector = await create();
    const taken = await create();
    const refused = async (changes: Parameters<ConnectorService['update']>[1]) => {
      const error = await service.update(connector.id, changes).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(DomainError);
      return error as DomainError;
    };
    expect((await refused({ port: 70000 })).message).toMatch(/^port: /);
    expect((await refused({ name: '' })).message).toMatch(/^name: /);
    expect((await refused({ database: 'x'.repeat(64) })).message).toMatch(/^database: /);
    expect((await refused({ name: taken.name })).code).toBe('CONFLICT');
    // Nothing was changed by the refused edits.
    expect(await service.get(connector.id)).toMatchObject({ name: connector.name, port: connector.port });
  });

  it('answers NOT_FOUND for a connector that does not exist', async () => {
    await expect(service.update('00000000-0000-4000-8000-000000000000', { name: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
