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
    expect(unknown.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND', field: 'email' } });
  });

  it('answers addCollaborator the same for an unknown and a disabled account, and shows only who a collaborator is', async () => {
    const dora = await graphql<{ createUser: { id: string } }>(
      'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
      { input: { email: 'dora@test.berth', name: 'dora', password: 'dora-password-1' } },
      adminToken,
    );
    await graphql('mutation($id: ID!) { setUserDisabled(id: $id, disabled: true) { id } }', { id: dora.data!.createUser.id }, adminToken);
    const unknown = await add(projectA, 'nobody@test.berth', 'viewer');
    const disabled = await add(projectA, 'dora@test.berth', 'viewer');
    expect(unknown.errors).toEqual(disabled.errors);
    expect(unknown.errors?.[0].message).not.toMatch(/nobody@test\.berth/);

    const details = await graphql('mutation($p: ID!) { addCollaborator(projectId: $p, email: "bob@test.berth", role: viewer) { user { role disabled } } }', { p: projectA }, tokens.alice);
    expect(details.errors?.map((e) => e.message)).toEqual(['Cannot query field "role" on type "CollaboratorUser".', 'Cannot query field "disabled" on type "CollaboratorUser".']);
    const added = await add(projectA, 'bob@test.berth', 'viewer');
    expect(added.data).toEqual({ addCollaborator: { role: 'viewer', user: { email: 'bob@test.berth' } } });
    await graphql('mutation($p: ID!, $u: ID!) { removeCollaborator(projectId: $p, userId: $u) }', { p: projectA, u: userIds.bob }, tokens.alice);
  });

  it("answers another project's experiment as if it did not exist, without its name", async () => {
    const secret = await graphql<{ createExperiment: { id: string } }>(
      'mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }',
      { input: { projectId: projectB, name: 'Secret penguins', task: 'multiclass', targetColumn: 'Species' } },
      tokens.bob,
    );
    const experimentId = secret.data!.createExperiment.id;
    const deploy = (id: string) =>
      graphql(
        'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id } }',
        { input: { projectId: projectA, name: 'Borrowed', experimentId: id, mainModelId: '00000000-0000-0000-0000-000000000000', access: 'project' } },
        tokens.alice,
      );
    const borrowed = await deploy(experimentId);
    const missing = await deploy('00000000-0000-0000-0000-00000000abcd');
    expect(borrowed.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(borrowed.errors?.[0].message).toBe(missing.errors?.[0].message.replace('00000000-0000-0000-0000-00000000abcd', experimentId));
    expect(JSON.stringify(borrowed)).not.toMatch(/Secret penguins|another project|Project B/);
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
