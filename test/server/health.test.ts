import { describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth } from '../support/berth';

describe('health and readiness', async () => {
  const { url, graphql, login } = await startTestBerth();

  it('answers /healthz and /readyz with the database and migrations checked', async () => {
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, migrations: { ok: true }, inference: { ok: true, detail: expect.stringMatching(/TensorFlow.js on the (tensorflow|wasm|cpu) backend/) } },
    });
  });

  it('signs in the first admin from BERTH_ADMIN_*', async () => {
    const token = await login(ADMIN.email, ADMIN.password);
    const me = await graphql('{ me { email role } }', {}, token);
    expect(me.data).toEqual({ me: { email: ADMIN.email, role: 'admin' } });
  });
});
