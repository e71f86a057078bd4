import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { ADMIN, startTestBerth } from '../support/berth';

describe('accounts and tokens', async () => {
  const { url, graphql, login, databaseUrl } = await startTestBerth();
  const adminToken = await login(ADMIN.email, ADMIN.password);

  const createUser = async (email: string, password = 'member-password-1') => {
    const result = await graphql<{ createUser: { id: string } }>(
      'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
      { input: { email, name: email.split('@')[0], password } },
      adminToken,
    );
    return result.data!.createUser.id;
  };

  it('refuses a wrong password and an unknown email with the same message', async () => {
    const wrong = await graphql('mutation { login(email: "admin@test.berth", password: "nope-nope-nope") { token } }');
    const unknown = await graphql('mutation { login(email: "nobody@test.berth", password: "nope-nope-nope") { token } }');
    for (const result of [wrong, unknown]) {
      expect(result.errors?.[0]).toMatchObject({ message: 'Wrong email or password', extensions: { code: 'UNAUTHENTICATED' } });
    }
  });

  it('sets an httpOnly session cookie on login that authenticates the console', async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `mutation { login(email: "${ADMIN.email}", password: "${ADMIN.password}") { token } }` }),
    });
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^berth_session=berth_ses_/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const me = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: cookie.split(';')[0] },
      body: JSON.stringify({ query: '{ me { email } }' }),
    });
    expect(await me.json()).toEqual({ data: { me: { email: ADMIN.email } } });
  });

  it('logout ends the session', async () => {
    const token = await login(ADMIN.email, ADMIN.password);
    expect((await graphql('mutation { logout }', {}, token)).data).toEqual({ logout: true });
    expect((await graphql('{ me { email } }', {}, token)).data).toEqual({ me: null });
  });

  it('refuses a disabled user and ends their sessions; re-enabling lets them back in', async () => {
    const id = await createUser('disabled@test.berth');
    const session = await login('disabled@test.berth', 'member-password-1');
    await graphql('mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { disabled } }', { id }, adminToken);

    expect((await graphql('{ me { email } }', {}, session)).data).toEqual({ me: null });
    const refused = await graphql('mutation { login(email: "disabled@test.berth", password: "member-password-1") { token } }');
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(refused.errors?.[0].message).toMatch(/disabled/);

    await graphql('mutation($id: ID!) { setUserDisabled(id: $id, disabled: false) { disabled } }', { id }, adminToken);
    expect(await login('disabled@test.berth', 'member-password-1')).toMatch(/^berth_ses_/);
  });

  it('lets only instance admins manage users', async () => {
    await createUser('plain@test.berth');
    const member = await login('plain@test.berth', 'member-password-1');
    const result = await graphql('{ users { email } }', {}, member);
    expect(result.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const anonymous = await graphql('{ users { email } }');
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('rejects bad user input with a message naming the field', async () => {
    const short = await graphql('mutation { createUser(input: { email: "x@test.berth", name: "x", password: "short" }) { id } }', {}, adminToken);
    expect(short.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'password' } });
    await createUser('twice@test.berth');
    const duplicate = await graphql('mutation { createUser(input: { email: "TWICE@test.berth", name: "x", password: "long-enough-1" }) { id } }', {}, adminToken);
    expect(duplicate.errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  describe('personal access tokens', () => {
    const create = async (token: string, input: Record<string, unknown>) =>
      graphql<{ createAccessToken: { token: string; accessToken: { id: string; prefix: string } } }>(
        'mutation($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { token accessToken { id prefix name expiresAt } } }',
        { input },
        token,
      );

    it('is shown once, stored only as a hash, works as a bearer token and records its last use', async () => {
      const created = (await create(adminToken, { name: 'dashboard' })).data!.createAccessToken;
      expect(created.token).toMatch(/^berth_pat_[A-Za-z0-9_-]{43}$/);
      expect(created.token.startsWith(created.accessToken.prefix)).toBe(true);

      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      const { rows } = await client.query('SELECT * FROM access_tokens WHERE id = $1', [created.accessToken.id]);
      await client.end();
      expect(JSON.stringify(rows)).not.toContain(created.token);
      expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);

      expect((await graphql('{ me { email } }', {}, created.token)).data).toEqual({ me: { email: ADMIN.email } });
      const listed = await graphql<{ myAccessTokens: Array<{ id: string; lastUsedAt: string | null }> }>('{ myAccessTokens { id name lastUsedAt } }', {}, adminToken);
      expect(JSON.stringify(listed)).not.toContain(created.token);
      expect(listed.data!.myAccessTokens.find((t) => t.id === created.accessToken.id)?.lastUsedAt).not.toBeNull();
    });

    it('stops working once revoked', async () => {
      const created = (await create(adminToken, { name: 'to revoke' })).data!.createAccessToken;
      await graphql('mutation($id: ID!) { revokeAccessToken(id: $id) { revokedAt } }', { id: created.accessToken.id }, adminToken);
      expect((await graphql('{ me { email } }', {}, created.token)).data).toEqual({ me: null });
      expect((await graphql('{ projects { id } }', {}, created.token)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('stops working once expired', async () => {
      const created = (await create(adminToken, { name: 'short-lived', expiresAt: new Date(Date.now() + 1500).toISOString() })).data!.createAccessToken;
      expect((await graphql('{ me { email } }', {}, created.token)).data).toEqual({ me: { email: ADMIN.email } });
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expect((await graphql('{ me { email } }', {}, created.token)).data).toEqual({ me: null });
    });

    it("cannot be revoked by another user", async () => {
      const created = (await create(adminToken, { name: 'mine' })).data!.createAccessToken;
      await createUser('thief@test.berth');
      const thief = await login('thief@test.berth', 'member-password-1');
      const result = await graphql('mutation($id: ID!) { revokeAccessToken(id: $id) { id } }', { id: created.accessToken.id }, thief);
      expect(result.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      expect((await graphql('{ me { email } }', {}, created.token)).data).toEqual({ me: { email: ADMIN.email } });
    });

    it('refuses an expiry in the past', async () => {
      const result = await create(adminToken, { name: 'past', expiresAt: '2000-01-01T00:00:00Z' });
      expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'expiresAt' } });
    });
  });
});
