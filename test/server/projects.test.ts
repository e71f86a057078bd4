import { describe, expect, it } from 'vitest';
import { ADMIN, startTestBerth } from '../support/berth';

describe('projects and the access policy', async () => {
  const { graphql, login } = await startTestBerth();
  const adminToken = await login(ADMIN.email, ADMIN.password);

  const userIds: Record<string, string> = {};
  for (const name of ['alice', 'bob', 'victor', 'carol']) {
    const created = await graphql<{ createUser: { id: string } }>(
      'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
      { input: { email: `${name}@test.berth`, name, password: `${name}-password-1` } },
      adminToken,
    );
    userIds[name] = created.data!.createUser.id;
  }
  const tokens = {
    alice: await login('alice@test.berth', 'alice-password-1'),
    bob: await login('bob@test.berth', 'bob-password-1'),
    victor: await login('victor@test.berth', 'victor-password-1'),
    carol: await login('carol@test.berth', 'carol-password-1'),
  };

  const createProject = async (token: string, name: string) =>
    (await graphql<{ createProject: { id: string } }>('mutation($name: String!) { createProject(input: { name: $name }) { id } }', { name }, token)).data!.createProject.id;

  // Alice owns A, with Victor as viewer and Carol as contributor; Bob owns B.
  const projectA = await createProject(tokens.alice, 'Project A');
  const projectB = await createProject(tokens.bob, 'Project B');
  const add = (projectId: string, email: string, role: string, token = tokens.alice) =>
    graphql('mutation($p: ID!, $e: String!, $r: ProjectRole!) { addCollaborator(projectId: $p, email: $e, role: $r) { role user { email } } }', { p: projectId, e: email, r: role }, token);
  await add(projectA, 'victor@test.berth', 'viewer');
  await add(projectA, 'carol@test.berth', 'contributor');

  it('lists only the projects a user collaborates on; instance admins see all', async () => {
    const names = async (token: string) => (await graphql<{ projects: Array<{ name: string }> }>('{ projects { name } }', {}, token)).data!.projects.map((p) => p.name);
    expect(await names(tokens.alice)).toEqual(['Project A']);
    expect(await names(tokens.bob)).toEqual(['Project B']);
    expect(await names(tokens.victor)).toEqual(['Project A']);
    expect(await names(adminToken)).toEqual(['Project A', 'Project B']);
  });

  it('hides another project entirely: read, rename, delete and collaborators answer NOT_FOUND', async () => {
    const attempts = [
      graphql('query($id: ID!) { project(id: $id) { name } }', { id: projectB }, tokens.alice),
      graphql('mutation($id: ID!) { renameProject(id: $id, name: "mine now") { name } }', { id: projectB }, tokens.alice),
      graphql('mutation($id: ID!) { deleteProject(id: $id) }', { id: projectB }, tokens.alice),
      add(projectB, 'alice@test.berth', 'admin', tokens.alice),
      graphql('mutation($p: ID!, $u: ID!) { removeCollaborator(projectId: $p, userId: $u) }', { p: projectB, u: userIds.bob }, tokens.alice),
    ];
    for (const result of await Promise.all(attempts)) {
      expect(result.errors?.[0].extensions?.code).toBe('NOT_FOUND');
      expect(result.data ?? null).toBeNull();
    }
    const stillThere = await graphql<{ project: { name: string; collaborators: unknown[] } }>('query($id: ID!) { project(id: $id) { name collaborators { role } } }', { id: projectB }, tokens.bob);
    expect(stillThere.data!.project).toEqual({ name: 'Project B', collaborators: [{ role: 'admin' }] });
  });

  it('lets a viewer read but not change; a contributor not manage collaborators; an admin everything', async () => {
    const read = await graphql<{ project: { name: string; myRole: string } }>('query($id: ID!) { project(id: $id) { name myRole } }', { id: projectA }, tokens.victor);
    expect(read.data!.project).toEqual({ name: 'Project A', myRole: 'viewer' });

    const viewerRename = await graphql('mutation($id: ID!) { renameProject(id: $id, name: "x") { name } }', { id: projectA }, tokens.victor);
    expect(viewerRename.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(viewerRename.errors?.[0].message).toMatch(/admin role.*you are viewer/);

    const contributorAdds = await add(projectA, 'bob@test.berth', 'viewer', tokens.carol);
    expect(contributorAdds.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const renamed = await graphql('mutation($id: ID!) { renameProject(id: $id, name: " Project A, renamed ") { name } }', { id: projectA }, tokens.alice);
    expect(renamed.data).toEqual({ renameProject: { name: 'Project A, renamed' } });
    const promoted = await graphql('mutation($p: ID!, $u: ID!) { changeCollaboratorRole(projectId: $p, userId: $u, role: contributor) { role } }', { p: projectA, u: userIds.victor }, tokens.alice);
    expect(promoted.data).toEqual({ changeCollaboratorRole: { role: 'contributor' } });
    const adminOverrides = await graphql('mutation($id: ID!) { renameProject(id: $id, name: "Project B") { name } }', { id: projectB }, adminToken);
    expect(adminOverrides.data).toEqual({ renameProject: { name: 'Project B' } });
  });

  it('refuses unauthenticated access', async () => {
    const result = await graphql('{ projects { id } }');
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('keeps at least one admin and refuses duplicate or unknown collaborators with clear messages', async () => {
    const demoteLast = await graphql('mutation($p: ID!, $u: ID!) { changeCollaboratorRole(projectId: $p, userId: $u, role: viewer) { role } }', { p: projectB, u: userIds.bob }, tokens.bob);
    expect(demoteLast.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(demoteLast.errors?.[0].message).toMatch(/last admin/);
    const removeLast = await graphql('mutation($p: ID!, $u: ID!) { removeCollaborator(projectId: $p, userId: $u) }', { p: projectB, u: userIds.bob }, tokens.bob);
    expect(removeLast.errors?.[0].extensions?.code).toBe('CONFLICT');

    const twice = await add(projectA, 'carol@test.berth', 'viewer');
    expect(twice.errors?.[0].extensions?.code).toBe('CONFLICT');
    const unknown = await add(projectA, 'ghost@test.berth', 'viewer');
    expect(unknown.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'email' } });
  });

  it('answers a malformed id with BAD_USER_INPUT, not an internal error', async () => {
    const result = await graphql('{ project(id: "not-a-uuid") { id } }', {}, adminToken);
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(result)).not.toMatch(/uuid|SELECT|stack/i);
  });

  it('refuses an empty name', async () => {
    const result = await graphql('mutation { createProject(input: { name: "   " }) { id } }', {}, tokens.alice);
    expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'name' } });
  });

  it('deletes a project for its admin, removing it from every list', async () => {
    const doomed = await createProject(tokens.carol, 'Doomed');
    expect((await graphql('mutation($id: ID!) { deleteProject(id: $id) }', { id: doomed }, tokens.carol)).data).toEqual({ deleteProject: true });
    const names = (await graphql<{ projects: Array<{ name: string }> }>('{ projects { name } }', {}, adminToken)).data!.projects.map((p) => p.name);
    expect(names).not.toContain('Doomed');
  });
});
