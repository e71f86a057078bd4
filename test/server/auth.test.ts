import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { ADMIN, startTestBerth } from '../support/berth';

describe('accounts and tokens', async () => {
  const { url, graphql, login, databaseUrl, berth } = await startTestBerth();
  const { services } = berth;
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

  describe('login throttling', () => {
    const throttle = () => services.auth.throttle;
    let offset = 0;
    /** Moves the throttle's clock past every lock and window: later tests start with no failures counted. */
    const forgetAttempts = () => {
      offset += 3 * 60 * 60 * 1000;
      const base = offset;
      throttle().clock = { now: () => Date.now() + base };
    };
    const attempt = (email: string, password: string) =>
      graphql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token user { email } } }', { e: email, p: password });

    it('locks an account after 5 failures, refusing even the right password, and lets it in once the delay passed', async () => {
      forgetAttempts();
      await createUser('guessed@test.berth');
      for (let i = 0; i < 5; i++) expect((await attempt('guessed@test.berth', `wrong-guess-${i}`)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      const refused = await attempt('guessed@test.berth', 'member-password-1');
      expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
      expect(refused.errors?.[0].message).toMatch(/Too many failed sign-ins; try again in \d+ seconds?/);
      const retryAfter = refused.errors![0].extensions!.retryAfterSeconds as number;
      expect(retryAfter).toBeGreaterThanOrEqual(1);

      // Past the delay: the right password works and the account starts afresh.
      const moved = offset;
      throttle().clock = { now: () => Date.now() + moved + retryAfter * 1000 };
      expect((await attempt('guessed@test.berth', 'member-password-1')).data).toMatchObject({ login: { user: { email: 'guessed@test.berth' } } });
      forgetAttempts();
    });

    it('doubles the delay with each further failure', async () => {
      forgetAttempts();
      await createUser('doubling@test.berth');
      const delays: number[] = [];
      let now = offset;
      throttle().clock = { now: () => Date.now() + now };
      for (let i = 0; i < 8; i++) {
        const result = await attempt('doubling@test.berth', `wrong-guess-${i}`);
        if (result.errors?.[0].extensions?.code === 'RATE_LIMITED') {
          const seconds = result.errors[0].extensions.retryAfterSeconds as number;
          delays.push(seconds);
          now += seconds * 1000;
        }
      }
      expect(delays.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
      forgetAttempts();
    });

    it('lets at most 5 of a burst of parallel guesses be checked', async () => {
      forgetAttempts();
      await createUser('burst@test.berth');
      const results = await Promise.all(Array.from({ length: 15 }, (_, i) => attempt('burst@test.berth', `wrong-guess-${i}`)));
      const codes = results.map((r) => r.errors?.[0].extensions?.code);
      expect(codes.filter((c) => c === 'UNAUTHENTICATED').length).toBeLessThanOrEqual(5);
      expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(10);
      forgetAttempts();
    });

    it('locks a client address that guesses across many accounts', async () => {
      forgetAttempts();
      await createUser('bystander@test.berth');
      for (let i = 0; i < 20; i++) expect((await attempt(`nobody-${i}@test.berth`, 'wrong-guess')).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      const refused = await attempt('bystander@test.berth', 'member-password-1');
      expect(refused.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
      forgetAttempts();
      expect((await attempt('bystander@test.berth', 'member-password-1')).data).toBeTruthy();
    });
  });

  describe('password policy', () => {
    it.each([
      ['          ', /empty or only spaces/],
      ['short-1', /at least 10 characters/],
      ['aaaaaaaaaa', /too weak: it repeats characters/],
      ['password123', /too weak/],
      ['qwertyuiop12', /too weak/],
      ['weak@test.berth', /too weak/],
    ])('refuses %j at user creation', async (password, message) => {
      const result = await graphql('mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { email: 'weak@test.berth', name: 'weak', password } }, adminToken);
      expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'password' } });
      expect(result.errors?.[0].message).toMatch(message);
    });

    it('refuses a weak first admin password at start, naming the variable', async () => {
      await expect(startTestBerth({ env: { BERTH_ADMIN_EMAIL: 'first@test.berth', BERTH_ADMIN_PASSWORD: 'aaaaaaaaaaaa' } })).rejects.toThrow(/BERTH_ADMIN_PASSWORD: too weak/);
    });

    it('generated passwords pass it', async () => {
      const id = await createUser('generated@test.berth');
      for (let i = 0; i < 5; i++) {
        const reset = await graphql<{ resetUserPassword: { generatedPassword: string } }>('mutation($id: ID!) { resetUserPassword(id: $id) { generatedPassword } }', { id }, adminToken);
        expect(reset.data!.resetUserPassword.generatedPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);
      }
    });
  });

  describe('password changes', () => {
    const change = (token: string, currentPassword: string, newPassword: string) =>
      graphql<{ changePassword: { email: string; mustChangePassword: boolean } }>(
        'mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { email mustChangePassword } }',
        { c: currentPassword, n: newPassword },
        token,
      );

    it('changePassword checks the current password and the policy, ends the other sessions and keeps this one and personal tokens', async () => {
      await createUser('changer@test.berth');
      const here = await login('changer@test.berth', 'member-password-1');
      const elsewhere = await login('changer@test.berth', 'member-password-1');
      const pat = (await graphql<{ createAccessToken: { token: string } }>('mutation { createAccessToken(input: { name: "script" }) { token } }', {}, here)).data!.createAccessToken.token;

      expect((await change(here, 'not-my-password', 'Another-Long-Phrase-9')).errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'currentPassword' } });
      expect((await change(here, 'member-password-1', 'aaaaaaaaaaaa')).errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'newPassword' } });
      expect((await change(here, 'member-password-1', 'Another-Long-Phrase-9')).data).toEqual({ changePassword: { email: 'changer@test.berth', mustChangePassword: false } });

      expect((await graphql('{ me { email } }', {}, elsewhere)).data).toEqual({ me: null });
      expect((await graphql('{ me { email } }', {}, here)).data).toEqual({ me: { email: 'changer@test.berth' } });
      expect((await graphql('{ me { email } }', {}, pat)).data).toEqual({ me: { email: 'changer@test.berth' } });
      expect((await graphql('mutation { login(email: "changer@test.berth", password: "member-password-1") { token } }')).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(await login('changer@test.berth', 'Another-Long-Phrase-9')).toMatch(/^berth_ses_/);
    });

    it("an admin's reset ends the user's sessions and forces a change before anything else", async () => {
      const id = await createUser('forgetful@test.berth');
      const before = await login('forgetful@test.berth', 'member-password-1');
      const pat = (await graphql<{ createAccessToken: { token: string } }>('mutation { createAccessToken(input: { name: "script" }) { token } }', {}, before)).data!.createAccessToken.token;
      const reset = await graphql<{ resetUserPassword: { generatedPassword: string; user: { mustChangePassword: boolean } } }>(
        'mutation($id: ID!) { resetUserPassword(id: $id) { generatedPassword user { mustChangePassword } } }',
        { id },
        adminToken,
      );
      const generated = reset.data!.resetUserPassword.generatedPassword;
      expect(reset.data!.resetUserPassword.user.mustChangePassword).toBe(true);
      expect(generated.length).toBeGreaterThanOrEqual(10);

      expect((await graphql('{ me { email } }', {}, before)).data).toEqual({ me: null });
      const signedIn = await graphql<{ login: { token: string; user: { mustChangePassword: boolean } } }>(
        'mutation($p: String!) { login(email: "forgetful@test.berth", password: $p) { token user { mustChangePassword } } }',
        { p: generated },
      );
      expect(signedIn.data!.login.user.mustChangePassword).toBe(true);
      const session = signedIn.data!.login.token;
      for (const token of [session, pat]) {
        const refused = await graphql('{ projects { id } }', {}, token);
        expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN', reason: 'PASSWORD_CHANGE_REQUIRED' } });
        expect(refused.errors?.[0].message).toMatch(/changePassword/);
      }
      expect((await graphql('{ me { mustChangePassword } }', {}, session)).data).toEqual({ me: { mustChangePassword: true } });

      expect((await change(session, generated, 'My-Own-Phrase-Again-4')).data!.changePassword.mustChangePassword).toBe(false);
      expect((await graphql('{ projects { id } }', {}, session)).data).toEqual({ projects: [] });
      expect((await graphql('{ projects { id } }', {}, pat)).data).toEqual({ projects: [] });
    });

    it('an admin may choose the new password, which must pass the policy; members may not reset', async () => {
      const id = await createUser('chosen@test.berth');
      const weak = await graphql('mutation($id: ID!) { resetUserPassword(id: $id, newPassword: "aaaaaaaaaaaa") { generatedPassword } }', { id }, adminToken);
      expect(weak.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'newPassword' } });
      const chosen = await graphql('mutation($id: ID!) { resetUserPassword(id: $id, newPassword: "Temporary-Phrase-77") { generatedPassword } }', { id }, adminToken);
      expect(chosen.data).toEqual({ resetUserPassword: { generatedPassword: null } });
      const member = await login('chosen@test.berth', 'Temporary-Phrase-77');
      const refused = await graphql('mutation($id: ID!) { resetUserPassword(id: $id) { generatedPassword } }', { id }, member);
      expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    });
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
      const created = (await create(adminToken, { name: 'short-lived', expiresAt: new Date(Date.now() + 60 * 60 * 1000).toISOString() })).data!.createAccessToken;
      expect((await graphql('{ me { email } }', {}, created.token)).data).toEqual({ me: { email: ADMIN.email } });
      // The server's clock moves past the expiry (and past the time a verified token is kept in memory).
      const clock = services.auth.clock;
      services.auth.clock = { now: () => clock.now() + 61 * 60 * 1000 };
      try {
        expect((await graphql('{ me { email } }', {}, created.token)).data).toEqual({ me: null });
        expect((await graphql('{ me { email } }', {}, adminToken)).data).toEqual({ me: { email: ADMIN.email } });
      } finally {
        services.auth.clock = clock;
      }
    });

    it("cannot be revoked by another user", async () => {
      const created = (await create(adminToken, { name: 'mine' })).data!.createAccessToken;
      await createUser('thief@test.berth');
      const thief = await login('thief@test.berth', 'member-password-1');
      const result = await graphql('mutation($id: ID!) { revokeAccessToken(id: $id) { id } }', { id: created.accessToken.id }, thief);
      expect(result.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      expect((await graphql('{ me { email } }', {}, created.token)).data).toEqual({ me: { email: ADMIN.email } });
    });

    it('never outlives the token that created it', async () => {
      const session = await login(ADMIN.email, ADMIN.password);
      const parent = (await create(session, { name: 'short parent', expiresAt: new Date(Date.now() + 60 * 60 * 1000).toISOString() })).data!.createAccessToken as any;
      const parentExpiry = parent.accessToken.expiresAt;
      for (const expiresAt of [undefined, new Date(Date.now() + 365 * 24 * 60 * 60 * 1000).toISOString()]) {
        const child = await graphql<{ createAccessToken: { capped: boolean; accessToken: { expiresAt: string } } }>(
          'mutation($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { capped accessToken { expiresAt } } }',
          { input: { name: 'child', expiresAt } },
          parent.token,
        );
        expect(child.data!.createAccessToken).toEqual({ capped: true, accessToken: { expiresAt: parentExpiry } });
      }
      const sooner = new Date(Date.now() + 60 * 1000).toISOString();
      const uncapped = await graphql('mutation($input: CreateAccessTokenInput!) { createAccessToken(input: $input) { capped accessToken { expiresAt } } }', { input: { name: 'sooner', expiresAt: sooner } }, parent.token);
      expect(uncapped.data).toEqual({ createAccessToken: { capped: false, accessToken: { expiresAt: sooner } } });
      // From a session: at most the session's lifetime.
      const fromSession = await graphql<{ createAccessToken: { capped: boolean; accessToken: { expiresAt: string } } }>('mutation { createAccessToken(input: { name: "console" }) { capped accessToken { expiresAt } } }', {}, session);
      expect(fromSession.data!.createAccessToken.capped).toBe(true);
      expect(new Date(fromSession.data!.createAccessToken.accessToken.expiresAt).getTime()).toBeLessThanOrEqual(Date.now() + 14 * 24 * 60 * 60 * 1000);
    });

    it('logout with a personal token is refused, saying what to do, and the token keeps working', async () => {
      const created = (await create(adminToken, { name: 'scripted logout' })).data!.createAccessToken;
      const result = await graphql('mutation { logout }', {}, created.token);
      expect(result.errors?.[0].message).toMatch(/personal access token.*revokeAccessToken/);
      expect((await graphql('{ me { email } }', {}, created.token)).data).toEqual({ me: { email: ADMIN.email } });
    });

    it('refuses an expiry in the past', async () => {
      const result = await create(adminToken, { name: 'past', expiresAt: '2000-01-01T00:00:00Z' });
      expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'expiresAt' } });
    });
  });
});
