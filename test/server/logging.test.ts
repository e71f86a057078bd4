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

  it("never contain a database client's settings, which pg puts on the errors of its pools", () => {
    let logged = '';
    const capture = createLogger('warn', new Writable({ write: (chunk, _encoding, done) => ((logged += chunk.toString()), done()) }));
    const error = Object.assign(new Error('terminating connection due to administrator command'), { client: { connectionParameters: { user: 'berth', password: 'pool-password-1', host: 'db' } } });
    capture.warn({ err: error }, 'a pool lost a connection');
    expect(logged).toContain('terminating connection');
    expect(logged).not.toContain('pool-password-1');
  });
});
