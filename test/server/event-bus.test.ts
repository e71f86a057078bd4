import { describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth } from '../support/berth';
import { topicFor } from '../../server/platform/event-bus';
import { PROJECT_UPDATED } from '../../server/projects/project.service';
import { subscribe } from '../support/subscriptions';
import { waitFor } from '../support/wait';

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
