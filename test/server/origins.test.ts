import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN, startTestBerth } from '../support/berth';
import { penguinsCsv } from '../support/datasets';

/** Signs in over HTTP as the console does and returns the `berth_session=…` cookie. */
async function sessionCookie(url: string): Promise<string> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', variables: { e: ADMIN.email, p: ADMIN.password } }),
  });
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

/** Runs `query` over graphql-ws with the handshake headers a browser page would send. */
async function overWebSocket(url: string, query: string, headers: Record<string, string>, connectionParams: Record<string, unknown> = {}): Promise<{ data?: any; errors?: any[]; closeCode?: number }> {
  class BrowserLike extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const client = createClient({ url: url.replace(/^http/, 'ws') + '/graphql', webSocketImpl: BrowserLike, connectionParams, retryAttempts: 0 });
  try {
    return await new Promise((resolve) => {
      let last: { data?: any } = {};
      client.subscribe(
        { query },
        {
          next: (value) => (last = value),
          error: (error) => resolve(Array.isArray(error) ? { errors: error } : { closeCode: (error as { code?: number }).code }),
          complete: () => resolve(last),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

const FOREIGN = 'http://127.0.0.1:1';

describe('requests signed in by the session cookie come only from the console', async () => {
  const { url, graphql, login } = await startTestBerth();
  const token = await login(ADMIN.email, ADMIN.password);
  const cookie = await sessionCookie(url);
  const own = url;
  const project = (await graphql('mutation { createProject(input: { name: "Origins" }) { id } }', {}, token)).data.createProject.id as string;

  const upload = (headers: Record<string, string>) => {
    const form = new FormData();
    form.append('file', new Blob([penguinsCsv()], { type: 'text/csv' }), 'penguins.csv');
    return fetch(`${url}/api/v1/projects/${project}/datasets`, { method: 'POST', body: form, headers });
  };
  const mutate = (headers: Record<string, string>) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: 'mutation { createAccessToken(input: { name: "minted" }) { token } }' }),
    });

  it('refuses a WebSocket signed in by the cookie from another origin (another port of the same host)', async () => {
    expect(await overWebSocket(url, '{ me { email } }', { cookie, origin: FOREIGN })).toEqual({ closeCode: 4403 });
    expect(await overWebSocket(url, '{ me { email } }', { cookie })).toEqual({ closeCode: 4403 });
  });

  it("accepts the cookie on a WebSocket from the console's own origin", async () => {
    expect(await overWebSocket(url, '{ me { email } }', { cookie, origin: own })).toEqual({ data: { me: { email: ADMIN.email } } });
    // As the browser opens it when the console is served at localhost rather than 127.0.0.1.
    const localhost = own.replace('127.0.0.1', 'localhost');
    expect(await overWebSocket(localhost, '{ me { email } }', { cookie, origin: localhost })).toEqual({ data: { me: { email: ADMIN.email } } });
  });

  it('accepts a token-authenticated WebSocket from any origin', async () => {
    expect(await overWebSocket(url, '{ me { email } }', { cookie, origin: FOREIGN }, { authorization: `Bearer ${token}` })).toEqual({ data: { me: { email: ADMIN.email } } });
  });

  it('refuses a cookie-signed upload from another origin, or without one, before reading it', async () => {
    for (const headers of [{ cookie, origin: FOREIGN }, { cookie }, { cookie, referer: `${FOREIGN}/page` }] as Array<Record<string, string>>) {
      const response = await upload(headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'FORBIDDEN', error: expect.stringMatching(/only from the console's own origin/) });
    }
    expect((await graphql(`{ datasets(projectId: "${project}") { id } }`, {}, token)).data.datasets).toEqual([]);
  });

  it("accepts a cookie-signed upload from the console's origin (by Origin, else by Referer)", async () => {
    expect((await upload({ cookie, origin: own })).status).toBe(201);
    expect((await upload({ cookie, referer: `${own}/projects/${project}` })).status).toBe(201);
  });

  it('accepts a bearer token from any origin', async () => {
    expect((await upload({ authorization: `Bearer ${token}`, cookie, origin: FOREIGN })).status).toBe(201);
    const minted = await mutate({ authorization: `Bearer ${token}`, origin: FOREIGN });
    expect(minted.status).toBe(200);
    expect(((await minted.json()) as any).data.createAccessToken.token).toMatch(/^berth_/);
  });

  it('refuses a cookie-signed GraphQL mutation from another origin; queries still answer', async () => {
    const refused = await mutate({ cookie, origin: FOREIGN });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ errors: [{ extensions: { code: 'FORBIDDEN' } }] });
    expect((await mutate({ cookie })).status).toBe(403);
    expect((await mutate({ cookie, origin: own })).status).toBe(200);
    const tokens = await graphql('{ myAccessTokens { name } }', {}, token);
    expect(tokens.data.myAccessTokens.filter((t: { name: string }) => t.name === 'minted')).toHaveLength(2);
  });
});

describe('with BERTH_PUBLIC_URL set, only its origin', async () => {
  const { url } = await startTestBerth({ env: { BERTH_PUBLIC_URL: 'https://berth.example.com' } });
  const cookie = await sessionCookie(url);

  it('accepts the cookie from the public origin and nowhere else', async () => {
    expect(await overWebSocket(url, '{ me { email } }', { cookie, origin: 'https://berth.example.com' })).toEqual({ data: { me: { email: ADMIN.email } } });
    expect(await overWebSocket(url, '{ me { email } }', { cookie, origin: url })).toEqual({ closeCode: 4403 });
  });
});
