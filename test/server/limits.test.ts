import { describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth } from '../support/berth';
import { subscribe } from '../support/subscriptions';

describe('request limits', async () => {
  const { url, graphql, login } = await startTestBerth({ env: { BERTH_MAX_BODY_BYTES: '4096', BERTH_GRAPHQL_MAX_DEPTH: '2', BERTH_GRAPHQL_MAX_COST: '40' } });
  const token = await login(ADMIN.email, ADMIN.password);

  it('refuses a query nested deeper than the limit', async () => {
    const deep = await graphql('{ projects { collaborators { user { email } } } }', {}, token);
    expect(deep.status).toBe(400);
    expect(deep.errors?.[0].message).toMatch(/exceeds maximum operation depth of 2/);
    const shallow = await graphql('{ projects { collaborators { role } } }', {}, token);
    expect(shallow.errors).toBeUndefined();
  });

  it('applies the same depth and cost limits over WebSocket', async () => {
    const deep = subscribe(url, token, '{ projects { collaborators { user { email } } } }');
    await deep.waitUntil(() => false, 5000);
    expect(JSON.stringify(deep.errors)).toMatch(/exceeds maximum operation depth of 2/);
    await deep.client.dispose();

    const fields = Array.from({ length: 45 }, (_, i) => `f${i}: __typename`).join(' ');
    const costly = subscribe(url, token, `{ me { ${fields} } }`);
    await costly.waitUntil(() => false, 5000);
    expect(JSON.stringify(costly.errors)).toMatch(/Query cost \d+ exceeds the limit of 40/);
    await costly.client.dispose();
  });

  it('refuses a query whose cost exceeds the limit', async () => {
    const fields = Array.from({ length: 45 }, (_, i) => `f${i}: __typename`).join(' ');
    const costly = await graphql(`{ me { ${fields} } }`, {}, token);
    expect(costly.status).toBe(400);
    expect(costly.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(costly.errors?.[0].message).toMatch(/Query cost \d+ exceeds the limit of 40/);
  });

  it('refuses a body larger than the limit with 413', async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { email } }', variables: { padding: 'x'.repeat(5000) } }),
    });
    expect(response.status).toBe(413);
    expect(JSON.stringify(await response.json())).not.toMatch(/at .*\.js/);
  });
});
