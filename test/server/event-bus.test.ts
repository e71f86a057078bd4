import { describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth } from '../support/berth';
import { BUS_RECONNECTED, topicFor } from '../../server/platform/event-bus';
import { PROJECT_UPDATED } from '../../server/projects/project.service';
import { subscribe } from '../support/subscriptions';
import { letTimePass, nextEvent, waitFor } from '../support/wait';
import pg from 'pg';

describe('event bus across server instances', async () => {
  const first = await startTestBerth();
  const second = await startTestBerth({ databaseUrl: first.databaseUrl });
  const token = await first.login(ADMIN.email, ADMIN.password);
  const projectId = (await first.graphql<{ createProject: { id: string } }>('mutation { createProject(input: { name: "Bus" }) { id } }', {}, token)).data!.createProject.id;

  it('delivers an event published by one instance to a subscriber connected to the other', async () => {
    const subscription = subscribe(second.url, token, `subscription { projectUpdated(projectId: "${projectId}") { projectId change } }`);
    await subscription.ready;
    // The connection is acknowledged before the server has run the subscribe function.
    await waitFor('the subscription to listen on the bus', () => second.berth.services.bus.listenerCount(topicFor(PROJECT_UPDATED, projectId)) > 0);

    await first.graphql('mutation($id: ID!) { renameProject(id: $id, name: "Bus, renamed") { name } }', { id: projectId }, token);
    await first.graphql('mutation($p: ID!) { addCollaborator(projectId: $p, email: "admin@test.berth", role: viewer) { role } }', { p: projectId }, token);
    await subscription.waitFor(1);
    await subscription.client.dispose();

    expect(subscription.errors).toEqual([]);
    expect(subscription.received[0]).toEqual({ data: { projectUpdated: { projectId, change: 'renamed' } } });
  });

  it('hears events again after the database dropped its connections (an outage, a failover)', async () => {
    const database = new URL(second.databaseUrl).pathname.slice(1);
    const superuser = new pg.Client({ connectionString: second.databaseUrl.replace(`/${database}`, '/postgres') });
    await superuser.connect();
    // Told once listening again: what was published meanwhile is lost, and the registry reads it again.
    const reconnected = nextEvent(second.berth.services.bus, BUS_RECONNECTED, 30_000);
    try {
      await superuser.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS false`);
      await superuser.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
      await letTimePass(3500);
    } finally {
      await superuser.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS true`);
      await superuser.end();
    }
    await reconnected;
    // Published by the first server until the second hears it: its listener must come back by itself.
    let heard = false;
    const off = second.berth.services.bus.on('test.after-outage', () => (heard = true));
    try {
      await waitFor('the second server to hear events again', async () => {
        await first.berth.services.bus.publish('test.after-outage', {}).catch(() => undefined);
        return heard;
      }, { timeoutMs: 20_000, everyMs: 250 });
    } finally {
      off();
    }
  });

  it('refuses a subscription to a project the viewer cannot see', async () => {
    const outsider = (await first.graphql<{ createUser: { id: string } }>('mutation { createUser(input: { email: "out@test.berth", name: "Out", password: "outsider-pass-1" }) { id } }', {}, token)).data;
    expect(outsider).toBeTruthy();
    const outsiderToken = await first.login('out@test.berth', 'outsider-pass-1');
    const subscription = subscribe(second.url, outsiderToken, `subscription { projectUpdated(projectId: "${projectId}") { change } }`);
    await subscription.waitFor(1);
    await subscription.client.dispose();
    expect(JSON.stringify(subscription.received[0] ?? subscription.errors[0])).toContain('NOT_FOUND');
  });

  it('answers a subscription that does not parse with an error, not a dropped connection', async () => {
    const subscription = subscribe(second.url, token, 'subscription { projectUpdated(');
    await subscription.waitFor(1);
    await subscription.client.dispose();
    expect(JSON.stringify(subscription.received[0] ?? subscription.errors[0])).toMatch(/Syntax Error/);
  });

  it('refuses an anonymous subscription', async () => {
    const subscription = subscribe(second.url, undefined, `subscription { projectUpdated(projectId: "${projectId}") { change } }`);
    await subscription.waitFor(1);
    await subscription.client.dispose();
    expect(JSON.stringify(subscription.received[0] ?? subscription.errors[0])).toContain('UNAUTHENTICATED');
  });
});
