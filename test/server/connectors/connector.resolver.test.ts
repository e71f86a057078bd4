import { graphql, isInputObjectType, isObjectType, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { describe, expect, it } from 'vitest';
import { Policy } from '../../../server/auth/policy';
import { InstanceRole, User } from '../../../server/auth/user.entity';
import { ConnectorResolver } from '../../../server/connectors/connector.resolver';
import { ConnectorService } from '../../../server/connectors/connector.service';
import type { Context } from '../../../server/graphql/context';
import { conflict, DomainError } from '../../../server/platform/errors';
import { Collaborator, ProjectRole } from '../../../server/projects/collaborator.entity';
import { Project } from '../../../server/projects/project.entity';
import { connectorDataSource } from '../../support/connector-database';
import { externalPostgres } from '../../support/external-postgres';

describe('the connector GraphQL API', async () => {
  const db = await connectorDataSource();
  const external = await externalPostgres();
  const writer = await external.createRole(['GRANT CREATE, USAGE ON SCHEMA public TO {role}']);
  const connectors = new ConnectorService(db, 'resolver-tests-instance-secret-0123456789', { allowedHosts: [external.host] });
  const inUse = new Set<string>();
  connectors.addDeletionCheck(async (id) => {
    if (inUse.has(id)) throw conflict('A pipeline still reads from or delivers to this connector; change or delete it first');
  });
  const schema: GraphQLSchema = await buildSchema({ resolvers: [ConnectorResolver], validate: false });

  const project = await db.getRepository(Project).save({ name: 'Churn', description: '' });
  const users: Record<'admin' | 'contributor' | 'viewer' | 'outsider', User> = {} as never;
  for (const name of ['admin', 'contributor', 'viewer', 'outsider'] as const) {
    users[name] = await db.getRepository(User).save({ email: `${name}@test.berth`, name, passwordHash: 'x', role: InstanceRole.member });
    if (name !== 'outsider') await db.getRepository(Collaborator).save({ projectId: project.id, userId: users[name].id, role: ProjectRole[name] });
  }

  const run = async <T = any>(as: keyof typeof users, query: string, variables: Record<string, unknown> = {}) => {
    const context = { viewer: { user: users[as], tokenId: 'test' }, services: { db, policy: new Policy(db), connectors } } as unknown as Context;
    const result = await graphql({ schema, source: query, variableValues: variables, contextValue: context });
    const error = result.errors?.[0];
    const original = error?.originalError;
    return { data: result.data as T | null | undefined, code: original instanceof DomainError ? original.code : error ? 'OTHER' : undefined, message: error?.message };
  };

  const CREATE = `mutation($input: CreateConnectorInput!) { createConnector(input: $input) { id name host port database user tlsMode hasPassword createdAt createdBy { email } } }`;
  const input = (name: string) => ({ projectId: project.id, name, host: external.host, port: external.port, database: external.database, user: writer.user, password: writer.password, tlsMode: 'disable' });

  it('never exposes a password: no output type has such a field', () => {
    const connector = schema.getType('Connector');
    expect(isObjectType(connector) && Object.keys(connector.getFields()).sort()).toEqual(['createdAt', 'createdBy', 'database', 'hasPassword', 'host', 'id', 'name', 'port', 'projectId', 'tlsMode', 'user']);
    for (const type of Object.values(schema.getTypeMap())) {
      if (isObjectType(type) && !type.name.startsWith('__')) expect(Object.keys(type.getFields()).filter((f) => /password/i.test(f) && !['hasPassword', 'mustChangePassword'].includes(f)), type.name).toEqual([]);
    }
    const createInput = schema.getType('CreateConnectorInput');
    expect(isInputObjectType(createInput) && Object.keys(createInput.getFields())).toContain('password');
  });

  it('lets a contributor create a connector and test it; the answer says it has a password', async () => {
    const created = await run('contributor', CREATE, { input: input('warehouse') });
    expect(created.message).toBeUndefined();
    expect(created.data.createConnector).toMatchObject({ name: 'warehouse', port: external.port, user: writer.user, tlsMode: 'disable', hasPassword: true, createdBy: { email: 'contributor@test.berth' } });
    const listed = await run('contributor', 'query($p: ID!) { connectors(projectId: $p) { id name host port database user tlsMode hasPassword createdAt } }', { p: project.id });
    expect(JSON.stringify([created.data, listed.data])).not.toContain(writer.password);
    const tested = await run('contributor', 'mutation($id: ID!) { testConnector(id: $id) { ok reachable authenticated canRead canCreateTables message } }', { id: created.data.createConnector.id });
    expect(tested.data.testConnector).toMatchObject({ ok: true, reachable: true, authenticated: true, canRead: true, canCreateTables: true });
  });

  it('lets a viewer list connectors but not create, test or delete them', async () => {
    const listed = await run('viewer', 'query($p: ID!) { connectors(projectId: $p) { name hasPassword } }', { p: project.id });
    expect(listed.data.connectors).toContainEqual({ name: 'warehouse', hasPassword: true });
    const id = (await run('viewer', 'query($p: ID!) { connectors(projectId: $p) { id } }', { p: project.id })).data.connectors[0].id;
    expect((await run('viewer', 'query($id: ID!) { connector(id: $id) { name } }', { id })).data.connector).toEqual({ name: 'warehouse' });
    for (const attempt of [
      run('viewer', CREATE, { input: input('mine') }),
      run('viewer', 'mutation($id: ID!) { testConnector(id: $id) { ok } }', { id }),
      run('viewer', 'mutation($id: ID!) { deleteConnector(id: $id) }', { id }),
    ]) {
      const result = await attempt;
      expect(result.code).toBe('FORBIDDEN');
      expect(result.message).toMatch(/needs the contributor role in the project; you are viewer/);
    }
  });

  it('hides the project from an outsider', async () => {
    const id = (await run('viewer', 'query($p: ID!) { connectors(projectId: $p) { id } }', { p: project.id })).data.connectors[0].id;
    for (const attempt of [
      run('outsider', 'query($p: ID!) { connectors(projectId: $p) { id } }', { p: project.id }),
      run('outsider', 'query($id: ID!) { connector(id: $id) { id } }', { id }),
      run('outsider', 'mutation($id: ID!) { deleteConnector(id: $id) }', { id }),
      run('outsider', CREATE, { input: input('intruder') }),
    ]) {
      expect((await attempt).code).toBe('NOT_FOUND');
    }
  });

  it('refuses to delete a connector a pipeline uses; deletes it once unused', async () => {
    const id = (await run('admin', CREATE, { input: input('used') })).data.createConnector.id;
    inUse.add(id);
    const refused = await run('contributor', 'mutation($id: ID!) { deleteConnector(id: $id) }', { id });
    expect(refused).toMatchObject({ code: 'CONFLICT', message: 'A pipeline still reads from or delivers to this connector; change or delete it first' });
    inUse.delete(id);
    expect((await run('contributor', 'mutation($id: ID!) { deleteConnector(id: $id) }', { id })).data).toEqual({ deleteConnector: true });
    expect((await run('admin', 'query($id: ID!) { connector(id: $id) { id } }', { id })).code).toBe('NOT_FOUND');
  });

  it('limits testConnector to 10 per minute per user: a scan of ports or hosts stops at the 11th', async () => {
    const id = (await run('admin', CREATE, { input: input('probed') })).data.createConnector.id;
    const TEST = 'mutation($id: ID!) { testConnector(id: $id) { ok message } }';
    for (let i = 0; i < 10; i++) expect((await run('admin', TEST, { id })).data.testConnector.ok).toBe(true);
    const refused = await run('admin', TEST, { id });
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/^testConnector: at most 10 tests per minute per user; try again in \d+ s$/) });
    // Per user: the contributor's tests are still answered.
    expect((await run('contributor', TEST, { id })).data.testConnector.ok).toBe(true);
  });

  it('reports invalid input with the field it is about', async () => {
    const result = await run('contributor', CREATE, { input: { ...input('bad'), host: 'postgres://db:5432' } });
    expect(result).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/^host: /) });
  });
});
