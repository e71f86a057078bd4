import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/platform/logger';
import { ADMIN, startTestBerth } from '../support/berth';

describe('logs', async () => {
  let lines = '';
  const sink = new Writable({ write: (chunk, _encoding, done) => ((lines += chunk.toString()), done()) });
  const logger = createLogger('trace', sink);
  const { graphql, login } = await startTestBerth({ logger });

  it('never contain passwords, tokens or cookies, even at trace level', async () => {
    const session = await login(ADMIN.email, ADMIN.password);
    const created = await graphql<{ createAccessToken: { token: string } }>('mutation { createAccessToken(input: { name: "ci" }) { token } }', {}, session);
    await graphql('{ me { email } }', {}, created.data!.createAccessToken.token);
    await graphql('mutation { login(email: "admin@test.berth", password: "a-wrong-password") { token } }');

    expect(lines.length).toBeGreaterThan(0);
    for (const secret of [ADMIN.password, 'a-wrong-password', session, created.data!.createAccessToken.token]) {
      expect(lines).not.toContain(secret);
    }
  });
});
