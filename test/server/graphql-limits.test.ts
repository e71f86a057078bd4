import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN, startTestBerth } from '../support/berth';

/** The same operation over graphql-ws (the official client): its data, or the errors it was refused with. */
async function overWebSocket(url: string, query: string, options: { token?: string; variables?: Record<string, unknown> } = {}): Promise<{ data?: any; errors?: any[] }> {
  const client = createClient({
    url: url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: options.token ? { authorization: `Bearer ${options.token}` } : {},
    retryAttempts: 0,
  });
  try {
    return await new Promise((resolve, reject) => {
      let last: { data?: any; errors?: any[] } = {};
      client.subscribe(
        { query, variables: options.variables },
        {
          next: (value) => (last = value as typeof last),
          error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
          complete: () => resolve(last),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

const aliased = (count: number, selection: string) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${selection}`).join(' ')} }`;

describe('GraphQL validation, the same over HTTP and WebSocket', async () => {
  const { url, graphql, login } = await startTestBerth();
  const token = await login(ADMIN.email, ADMIN.password);

  it('refuses an anonymous operation of 1500 aliased __schema selections on both transports', async () => {
    const query = aliased(1500, '__schema { queryType { name } }');
    const http = await graphql(query);
    expect(http.status).toBe(400);
    expect(http.errors?.[0].message).toMatch(/Query cost \d+ exceeds the limit of 1000/);
    const ws = await overWebSocket(url, query);
    expect(ws.data).toBeUndefined();
    expect(ws.errors?.[0].message).toMatch(/Query cost \d+ exceeds the limit of 1000/);
  });

  it('lets a caller without credentials sign in and ask who they are, and nothing else, on both transports', async () => {
    expect(await graphql('{ me { id } __typename }')).toMatchObject({ status: 200, data: { me: null } });
    expect(await overWebSocket(url, '{ me { id } }')).toEqual({ data: { me: null } });
    const login = await graphql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: ADMIN.email, p: ADMIN.password });
    expect(login.data?.login.token).toMatch(/^berth_/);

    for (const query of ['{ projects { id } }', '{ me { id } ...F } fragment F on Query { users { email } }', 'mutation { createProject(input: { name: "x" }) { id } }']) {
      const http = await graphql(query);
      expect(http.status, query).toBe(401);
      expect(http.data, query).toBeUndefined();
      expect(http.errors?.[0], query).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
      expect(http.errors?.[0].message, query).toMatch(/^Sign in or send a valid token to use (projects|users|createProject)/);
      const ws = await overWebSocket(url, query);
      expect(ws.errors?.[0], query).toMatchObject({ message: http.errors?.[0].message, extensions: { code: 'UNAUTHENTICATED' } });
    }
    const subscription = await overWebSocket(url, 'subscription { deploymentMetrics(deploymentId: "00000000-0000-0000-0000-000000000000") { at } }');
    expect(subscription.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    // Signed in, the same query runs.
    expect((await overWebSocket(url, '{ projects { id } }', { token })).data).toEqual({ projects: [] });
  });

  it('answers a fragment cycle with 400 and what is wrong, not a stack overflow', async () => {
    const cycle = '{ me { ...A } } fragment A on User { id ...B } fragment B on User { email ...A }';
    const http = await graphql(cycle, {}, token);
    expect(http.status).toBe(400);
    expect(http.errors?.[0].message).toMatch(/Cannot spread fragment "A" within itself via "B"/);
    const ws = await overWebSocket(url, cycle, { token });
    expect(ws.errors?.[0].message).toMatch(/Cannot spread fragment "A" within itself/);
  });

  it('refuses a negative offset or limit, naming the argument', async () => {
    const runs = 'query($o: Int!, $l: Int!) { pipelineRuns(pipelineId: "00000000-0000-0000-0000-000000000000", offset: $o, limit: $l) { id } }';
    const offset = await graphql(runs, { o: -1, l: 10 }, token);
    expect(offset.errors?.[0]).toMatchObject({ message: 'offset: must be 0 or more, got -1', extensions: { code: 'BAD_USER_INPUT', field: 'offset' } });
    const limit = await graphql(runs, { o: 0, l: -5 }, token);
    expect(limit.errors?.[0]).toMatchObject({ message: 'limit: must be 0 or more, got -5', extensions: { code: 'BAD_USER_INPUT', field: 'limit' } });
  });

  it('answers deploymentStatusChanged without arguments with what to give', async () => {
    const ws = await overWebSocket(url, 'subscription { deploymentStatusChanged { deploymentId } }', { token });
    expect(ws.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(ws.errors?.[0].message).toMatch(/give deploymentId .* or projectId/);
  });

  it('answers a malformed identifier in a REST path with 400, as GraphQL does', async () => {
    const response = await fetch(`${url}/api/v1/pipeline-runs/not-a-uuid/files/main`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'BAD_USER_INPUT', error: 'An identifier or value has the wrong format' });
    const graphqlAnswer = await graphql('{ project(id: "not-a-uuid") { id } }', {}, token);
    expect(graphqlAnswer.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('lets anyone introspect outside production by default', async () => {
    const anonymous = await graphql('{ __schema { queryType { name } } }');
    expect(anonymous.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await graphql('{ mee { id } }')).errors?.[0].message).toMatch(/Did you mean "me"\?/);
  });
});

describe('introspection in production', async () => {
  const closed = await startTestBerth({ env: { NODE_ENV: 'production' } });
  const opened = await startTestBerth({ env: { NODE_ENV: 'production', BERTH_GRAPHQL_INTROSPECTION: 'on' } });
  const token = await closed.login(ADMIN.email, ADMIN.password);
  const introspection = '{ __schema { queryType { name } } }';

  it('is refused to callers without credentials, over HTTP and WebSocket, and field suggestions are left out', async () => {
    const http = await closed.graphql(introspection);
    expect(http.status).toBe(401);
    expect(http.errors?.[0].message).toMatch(/^Introspection needs a signed-in caller/);
    expect((await overWebSocket(closed.url, introspection)).errors?.[0].message).toMatch(/^Introspection needs a signed-in caller/);
    expect((await closed.graphql('{ __type(name: "User") { name } }')).errors?.[0].message).toMatch(/^Introspection needs a signed-in caller/);

    const typo = await closed.graphql('{ mee { id } }');
    expect(typo.errors?.[0].message).toBe('Cannot query field "mee" on type "Query".');
    expect((await overWebSocket(closed.url, '{ mee { id } }')).errors?.[0].message).toBe('Cannot query field "mee" on type "Query".');
  });

  it('stays open to signed-in callers, with suggestions', async () => {
    expect((await closed.graphql(introspection, {}, token)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await overWebSocket(closed.url, introspection, { token })).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await closed.graphql('{ mee { id } }', {}, token)).errors?.[0].message).toMatch(/Did you mean "me"\?/);
  });

  it('is open to everyone when BERTH_GRAPHQL_INTROSPECTION=on', async () => {
    expect((await opened.graphql(introspection)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await overWebSocket(opened.url, introspection)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await opened.graphql('{ mee { id } }')).errors?.[0].message).toMatch(/Did you mean "me"\?/);
  });
});
