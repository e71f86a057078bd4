import { readFile } from 'node:fs/promises';
import { buildSchema, getNamedType, isListType, isNonNullType, isObjectType, type GraphQLField } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth } from '../support/berth';

/**
 * The one paging convention of the GraphQL API (README "GraphQL"): every list that grows with use
 * takes offset (default 0) and limit (default 50, lowered to 100), both refused when negative,
 * and has a sibling …Count field with the total.
 */
const PAGED: Array<[type: string, list: string, count: string]> = [
  ['Query', 'users', 'userCount'],
  ['Query', 'myAccessTokens', 'myAccessTokenCount'],
  ['Query', 'datasets', 'datasetCount'],
  ['Query', 'pipelineRuns', 'pipelineRunCount'],
  ['Experiment', 'versions', 'versionCount'],
  ['Deployment', 'versions', 'versionCount'],
  ['Deployment', 'events', 'eventCount'],
  ['Deployment', 'apiKeys', 'apiKeyCount'],
];

describe('paging', async () => {
  it('is the same on every list that grows with use', async () => {
    const schema = buildSchema(await readFile('schema.graphql', 'utf8'));
    for (const [typeName, list, count] of PAGED) {
      const type = schema.getType(typeName);
      if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
      const field = type.getFields()[list] as GraphQLField<unknown, unknown>;
      expect(field && isNonNullType(field.type) && isListType(field.type.ofType), `${typeName}.${list} is a list`).toBe(true);
      const args = Object.fromEntries(field.args.map((arg) => [arg.name, { type: String(arg.type), default: arg.defaultValue }]));
      expect(args, `${typeName}.${list}`).toMatchObject({ offset: { type: 'Int!', default: 0 }, limit: { type: 'Int!', default: 50 } });
      // offset and limit come last, after what the list is of.
      expect(field.args.slice(-2).map((arg) => arg.name), `${typeName}.${list}`).toEqual(['offset', 'limit']);
      const total = type.getFields()[count];
      expect(total && String(total.type), `${typeName}.${count}`).toBe('Int!');
      expect(getNamedType(total!.type).name).toBe('Int');
    }
  });

  const { graphql, login } = await startTestBerth();
  const admin = await login(ADMIN.email, ADMIN.password);

  it('answers one page in the list order, the total beside it, and refuses negative values naming them', async () => {
    for (const n of [1, 2, 3]) {
      const created = await graphql('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { email: `paged-${n}@test.berth`, name: `Paged ${n}`, password: 'member-password-1' } }, admin);
      expect(created.errors).toBeUndefined();
    }
    const all = await graphql<{ users: Array<{ email: string }>; userCount: number }>('{ users { email } userCount }', {}, admin);
    expect(all.data!.userCount).toBe(4);
    expect(all.data!.users.map((u) => u.email)).toEqual([ADMIN.email, 'paged-1@test.berth', 'paged-2@test.berth', 'paged-3@test.berth']);

    const page = await graphql<{ users: Array<{ email: string }>; userCount: number }>('{ users(offset: 1, limit: 2) { email } userCount }', {}, admin);
    expect(page.data).toEqual({ users: [{ email: 'paged-1@test.berth' }, { email: 'paged-2@test.berth' }], userCount: 4 });
    expect((await graphql<{ users: unknown[] }>('{ users(offset: 4) { email } }', {}, admin)).data!.users).toEqual([]);

    const negative = await graphql('{ users(limit: -1) { email } }', {}, admin);
    expect(negative.errors?.[0]).toMatchObject({ message: 'limit: must be 0 or more, got -1', extensions: { code: 'BAD_USER_INPUT', field: 'limit' } });
    const tokens = await graphql('{ myAccessTokens(offset: -3) { id } }', {}, admin);
    expect(tokens.errors?.[0]).toMatchObject({ message: 'offset: must be 0 or more, got -3', extensions: { code: 'BAD_USER_INPUT', field: 'offset' } });
  });

  it('lowers a limit above the maximum to it', async () => {
    for (let n = 0; n < 101; n++) {
      const created = await graphql('mutation($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { token } }', { input: { name: `script ${n}` } }, admin);
      expect(created.errors).toBeUndefined();
    }
    const listed = await graphql<{ myAccessTokens: Array<{ name: string }>; myAccessTokenCount: number }>('{ myAccessTokens(limit: 100000) { name } myAccessTokenCount }', {}, admin);
    expect(listed.data!.myAccessTokenCount).toBe(101);
    expect(listed.data!.myAccessTokens).toHaveLength(100);
    expect(listed.data!.myAccessTokens[0]!.name).toBe('script 100');
    const byDefault = await graphql<{ myAccessTokens: unknown[] }>('{ myAccessTokens { name } }', {}, admin);
    expect(byDefault.data!.myAccessTokens).toHaveLength(50);
  });
});
