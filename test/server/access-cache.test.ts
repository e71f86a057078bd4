import { describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth, type TestBerth } from '../support/berth';
import { subscribe } from '../support/subscriptions';
import { nextEvent, waitFor } from '../support/wait';
import { ACCESS_CHANGED } from '../../server/auth/access-events';

const until = (what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000) => waitFor(what, condition, { timeoutMs });

describe('cached tokens and roles on two replicas', async () => {
  const first = await startTestBerth();
  const second = await startTestBerth({ databaseUrl: first.databaseUrl });
  const admin = await first.login(ADMIN.email, ADMIN.password);
  const projectId = (await first.graphql<{ createProject: { id: string } }>('mutation { createProject(input: { name: "Cached" }) { id } }', {}, admin)).data!.createProject.id;

  let users = 0;
  /** A new member, collaborator of the project with `role` (or none), signed in on `berth`. */
  const member = async (role: 'viewer' | 'contributor' | null, berth: TestBerth = second) => {
    const email = `member-${++users}@test.berth`;
    const id = (await first.graphql<{ createUser: { id: string } }>('mutation($e: String!) { createUser(input: { email: $e, name: "Member", password: "member-password-1" }) { id } }', { e: email }, admin)).data!.createUser.id;
    if (role) await first.graphql('mutation($p: ID!, $e: String!, $r: ProjectRole!) { addCollaborator(projectId: $p, email: $e, role: $r) { role } }', { p: projectId, e: email, r: role }, admin);
    return { id, email, token: await berth.login(email, 'member-password-1') };
  };
  /** The replicas hear of access changes through the bus, a few milliseconds after the mutation returns. */
  const heardOnSecond = () => nextEvent(second.berth.services.bus, ACCESS_CHANGED);
  const changed = async (mutation: () => Promise<unknown>) => {
    const heard = heardOnSecond();
    await mutation();
    await heard;
  };
  const me = async (berth: TestBerth, token: string) => (await berth.graphql<{ me: { email: string } | null }>('{ me { email } }', {}, token)).data?.me ?? null;
  const seesProject = async (berth: TestBerth, token: string) => (await berth.graphql('query($id: ID!) { project(id: $id) { id } }', { id: projectId }, token)).data !== null;
  const pat = async (token: string) =>
    (await first.graphql<{ createAccessToken: { token: string; accessToken: { id: string } } }>('mutation { createAccessToken(input: { name: "cached" }) { token accessToken { id } } }', {}, token)).data!.createAccessToken;

  it('a logout on one replica is refused on the other at once', async () => {
    const { email, token } = await member(null);
    expect((await me(second, token))?.email).toBe(email);
    const heard = heardOnSecond();
    await first.graphql('mutation { logout }', {}, token);
    await heard;
    expect(await me(second, token)).toBeNull();
  });

  it('a revoked personal token is refused on the other replica at once', async () => {
    const { token } = await member(null);
    const created = await pat(token);
    expect(await me(second, created.token)).not.toBeNull();
    const heard = heardOnSecond();
    await first.graphql('mutation($id: ID!) { revokeAccessToken(id: $id) { id } }', { id: created.accessToken.id }, token);
    await heard;
    expect(await me(second, created.token)).toBeNull();
  });

  it("disabling a user ends their sessions and tokens on the other replica at once", async () => {
    const { id, token } = await member(null);
    const created = await pat(token);
    expect(await me(second, token)).not.toBeNull();
    expect(await me(second, created.token)).not.toBeNull();
    const heard = heardOnSecond();
    await first.graphql('mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { id } }', { id }, admin);
    await heard;
    expect(await me(second, token)).toBeNull();
    expect(await me(second, created.token)).toBeNull();
  });

  it('removal from the project and role changes hold on the other replica at once', async () => {
    const { id, token } = await member('viewer');
    expect(await seesProject(second, token)).toBe(true);
    const rename = () => second.graphql('mutation($id: ID!) { renameProject(id: $id, name: "Cached") { id } }', { id: projectId }, token);
    expect((await rename()).errors?.[0].extensions?.code).toBe('FORBIDDEN');

    await changed(() => first.graphql('mutation($p: ID!, $u: ID!) { changeCollaboratorRole(projectId: $p, userId: $u, role: admin) { role } }', { p: projectId, u: id }, admin));
    expect((await rename()).errors).toBeUndefined();
    await changed(() => first.graphql('mutation($p: ID!, $u: ID!) { changeCollaboratorRole(projectId: $p, userId: $u, role: viewer) { role } }', { p: projectId, u: id }, admin));
    expect((await rename()).errors?.[0].extensions?.code).toBe('FORBIDDEN');

    await changed(() => first.graphql('mutation($p: ID!, $u: ID!) { removeCollaborator(projectId: $p, userId: $u) }', { p: projectId, u: id }, admin));
    expect(await seesProject(second, token)).toBe(false);
    // Added back: the cached "not a collaborator" is dropped too.
    await changed(() => first.graphql('mutation($p: ID!, $e: String!) { addCollaborator(projectId: $p, email: $e, role: viewer) { role } }', { p: projectId, e: `member-${users}@test.berth` }, admin));
    expect(await seesProject(second, token)).toBe(true);
  });

  it('answers a verified token from memory, yet a revocation made directly in the database holds within seconds', async () => {
    const { token } = await member(null);
    const created = await pat(token);
    expect(await me(second, created.token)).not.toBeNull();
    await first.berth.services.db.query('UPDATE access_tokens SET revoked_at = now() WHERE id = $1', [created.accessToken.id]);
    // Verified a moment ago: answered from memory, without reading the token.
    expect(await me(second, created.token)).not.toBeNull();
    await until('the revocation to hold', async () => (await me(second, created.token)) === null);
  });

  it('a role removed directly in the database holds within seconds', async () => {
    const { id, token } = await member('viewer');
    expect(await seesProject(second, token)).toBe(true);
    await first.berth.services.db.query('DELETE FROM project_collaborators WHERE project_id = $1 AND user_id = $2', [projectId, id]);
    await until('the removal to hold', async () => !(await seesProject(second, token)));
  });

  describe('open subscriptions end when the viewer loses access', () => {
    /** A subscription on `second` shown to be live (it received a rename made on `first`). */
    const liveSubscription = async (token: string) => {
      const subscription = subscribe(second.url, token, `subscription { projectUpdated(projectId: "${projectId}") { change } }`);
      await subscription.ready;
      // Renames until one arrives: then the subscription is registered on the server.
      await until('the subscription to receive an event', async () => {
        await first.graphql('mutation($id: ID!) { renameProject(id: $id, name: "Cached") { id } }', { id: projectId }, admin);
        await subscription.waitUntil((received) => received.length > 0, 200);
        return subscription.received.length > 0;
      });
      return subscription;
    };
    const errorOf = (subscription: ReturnType<typeof subscribe>) => JSON.stringify(subscription.errors[0] ?? null);

    it.each([
      ['logout', async (user: { id: string; token: string }): Promise<void> => void (await first.graphql('mutation { logout }', {}, user.token)), 'UNAUTHENTICATED'],
      ['account disabled', async (user: { id: string; token: string }): Promise<void> => void (await first.graphql('mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { id } }', { id: user.id }, admin)), 'UNAUTHENTICATED'],
      ['removal from the project', async (user: { id: string; token: string }): Promise<void> => void (await first.graphql('mutation($p: ID!, $u: ID!) { removeCollaborator(projectId: $p, userId: $u) }', { p: projectId, u: user.id }, admin)), 'NOT_FOUND'],
    ] as const)('on %s', async (_what, revoke, code) => {
      const user = await member('viewer');
      const subscription = await liveSubscription(user.token);
      await revoke(user);
      await until('the subscription to end with an error', () => subscription.errors.length > 0);
      expect(errorOf(subscription)).toContain(code);
      await subscription.client.dispose();
    });

    it('on revocation of the personal token it was opened with', async () => {
      const user = await member('viewer');
      const created = await pat(user.token);
      const subscription = await liveSubscription(created.token);
      await first.graphql('mutation($id: ID!) { revokeAccessToken(id: $id) { id } }', { id: created.accessToken.id }, user.token);
      await until('the subscription to end with an error', () => subscription.errors.length > 0);
      expect(errorOf(subscription)).toContain('UNAUTHENTICATED');
      await subscription.client.dispose();
    });

    it('but not on a role change that keeps the access it needs', async () => {
      const user = await member('viewer');
      const subscription = await liveSubscription(user.token);
      await first.graphql('mutation($p: ID!, $u: ID!) { changeCollaboratorRole(projectId: $p, userId: $u, role: contributor) { role } }', { p: projectId, u: user.id }, admin);
      const before = subscription.received.length;
      await first.graphql('mutation($id: ID!) { renameProject(id: $id, name: "Cached") { id } }', { id: projectId }, admin);
      await subscription.waitUntil((received) => received.length > before);
      expect(subscription.errors).toEqual([]);
      expect(subscription.received.length).toBeGreaterThan(before);
      await subscription.client.dispose();
    });
  });
});
