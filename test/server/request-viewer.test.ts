import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UNKNOWN_TOKEN_MS } from '../../server/auth/auth.service';
import { hashToken } from '../../server/auth/credentials';
import { Connector, ConnectorTlsMode } from '../../server/connectors/connector.entity';
import { ADMIN, startTestBerth, type TestBerth } from '../support/berth';
import { trainDemo } from '../support/demo';
import { waitFor } from '../support/wait';

const PENGUIN = { Island: 'Biscoe', 'Beak Length (mm)': 48.6, 'Beak Depth (mm)': 16, 'Flipper Length (mm)': 230, 'Body Mass (g)': 5800, Sex: 'MALE' };

/** A member of the instance, signed in; collaborator of `projectId` with `role` when given. */
async function member(berth: TestBerth, admin: string, email: string, collaborate?: { projectId: string; role: 'viewer' | 'contributor' }) {
  const id = (await berth.graphql<{ createUser: { id: string } }>('mutation($e: String!) { createUser(input: { email: $e, name: "Member", password: "member-password-1" }) { id } }', { e: email }, admin)).data!.createUser.id;
  if (collaborate) await berth.graphql('mutation($p: ID!, $e: String!, $r: ProjectRole!) { addCollaborator(projectId: $p, email: $e, role: $r) { role } }', { p: collaborate.projectId, e: email, r: collaborate.role }, admin);
  return { id, token: await berth.login(email, 'member-password-1') };
}

describe('objects of a project, as a viewer outside it sees them', async () => {
  const berth = await startTestBerth({ env: { BERTH_PROBE_INTERVAL_MS: '0', BERTH_PREDICT_RATE_LIMIT: '100000' } });
  const { url, graphql, login } = berth;
  const admin = await login(ADMIN.email, ADMIN.password);
  const demo = await trainDemo(berth, admin);

  const deployment = (await graphql<{ createDeployment: { id: string; slug: string } }>(
    'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }',
    { input: { projectId: demo.projectId, name: 'Hidden', access: 'project', experimentId: demo.penguins.experimentId, mainModelId: demo.penguins.v2.best } },
    admin,
  )).data!.createDeployment;
  const instanceWide = (await graphql<{ createDeployment: { id: string; slug: string } }>(
    'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }',
    { input: { projectId: demo.projectId, name: 'Instance wide', access: 'instance', experimentId: demo.penguins.experimentId, mainModelId: demo.penguins.v2.best } },
    admin,
  )).data!.createDeployment;
  for (const { id } of [deployment, instanceWide]) await waitFor('the deployment to be served', () => berth.berth.services.registry.status(id).deployed);

  const details = (await graphql<{ deployment: { versions: Array<{ id: string }>; experiment: { versions: Array<{ id: string }> } } }>(
    'query($id: ID!) { deployment(id: $id) { versions { id } experiment { versions { id } } } }',
    { id: deployment.id },
    admin,
  )).data!.deployment;
  const apiKey = (await graphql<{ createApiKey: { apiKey: { id: string } } }>('mutation($d: ID!) { createApiKey(deploymentId: $d, name: "app") { apiKey { id } } }', { d: deployment.id }, admin)).data!.createApiKey.apiKey.id;
  const datasets = (await graphql<{ datasets: Array<{ id: string; fileName: string }> }>('query($p: ID!) { datasets(projectId: $p) { id fileName } }', { p: demo.projectId }, admin)).data!.datasets;
  const penguinData = datasets.find((d) => /penguin/i.test(d.fileName))!;
  const pipeline = (await graphql<{ createPipeline: { id: string } }>(
    'mutation($input: CreatePipelineInput!) { createPipeline(input: $input) { id } }',
    { input: { deploymentId: deployment.id, name: 'Nightly', sourceKind: 'dataset', sourceDatasetId: penguinData.id } },
    admin,
  )).data!.createPipeline.id;
  const run = (await graphql<{ runPipelineNow: { id: string } }>('mutation($id: ID!) { runPipelineNow(id: $id) { id } }', { id: pipeline }, admin)).data!.runPipelineNow.id;
  const connector = (await berth.berth.services.db.getRepository(Connector).save({
    projectId: demo.projectId,
    name: 'warehouse',
    host: 'warehouse.example.test',
    port: 5432,
    database: 'sales',
    user: 'reader',
    passwordEncrypted: null,
    tlsMode: ConnectorTlsMode.require,
  })).id;

  const outsider = await member(berth, admin, 'outsider@test.berth');
  const ownProject = (await graphql<{ createProject: { id: string } }>('mutation { createProject(input: { name: "Own" }) { id } }', {}, outsider.token)).data!.createProject.id;
  const ownExperiment = (await graphql<{ createExperiment: { id: string } }>(
    'mutation($p: ID!) { createExperiment(input: { projectId: $p, name: "Mine", task: multiclass, targetColumn: "Species" }) { id } }',
    { p: ownProject },
    outsider.token,
  )).data!.createExperiment.id;

  /** What a caller gets back, with the id it asked for replaced, so two answers compare byte for byte. */
  const viaGraphQL = (query: string, variables: (id: string) => Record<string, unknown>) => async (id: string) =>
    JSON.stringify((await graphql(query, variables(id), outsider.token)).errors ?? null).replaceAll(id, '<id>');
  const viaRest = (path: (id: string) => string) => async (id: string) => {
    const response = await fetch(`${url}${path(id)}`, { headers: { authorization: `Bearer ${outsider.token}` } });
    return `${response.status} ${(await response.text()).replaceAll(id, '<id>')}`;
  };

  it.each([
    ['Deployment', deployment.id, viaGraphQL('query($id: ID!) { deployment(id: $id) { id } }', (id) => ({ id }))],
    ['Deployment', deployment.id, viaGraphQL('mutation($id: ID!) { deleteDeployment(id: $id, confirm: "hidden") }', (id) => ({ id }))],
    ['Deployment', deployment.id, viaGraphQL('query($id: ID!) { deploymentDrift(deploymentId: $id) { from } }', (id) => ({ id }))],
    ['Deployment', deployment.id, viaGraphQL('query($id: ID!) { pipelines(deploymentId: $id) { id } }', (id) => ({ id }))],
    ['Deployment version', details.versions[0]!.id, viaGraphQL('mutation($id: ID!) { rollbackDeployment(deploymentVersionId: $id) { id } }', (id) => ({ id }))],
    ['API key', apiKey, viaGraphQL('mutation($id: ID!) { revokeApiKey(id: $id) { id } }', (id) => ({ id }))],
    ['Experiment', demo.penguins.experimentId, viaGraphQL('query($id: ID!) { experiment(id: $id) { id } }', (id) => ({ id }))],
    ['Experiment version', details.experiment.versions[0]!.id, viaGraphQL('mutation($id: ID!) { deleteExperimentVersion(id: $id) }', (id) => ({ id }))],
    ['Dataset', penguinData.id, viaGraphQL('mutation($e: ID!, $d: ID!) { trainExperimentVersion(input: { experimentId: $e, datasetId: $d }) { id } }', (id) => ({ e: ownExperiment, d: id }))],
    ['Model', demo.penguins.v2.best, viaRest((id) => `/api/v1/models/${id}/files/model.json`)],
    ['Pipeline', pipeline, viaGraphQL('query($id: ID!) { pipelineRuns(pipelineId: $id) { id } }', (id) => ({ id }))],
    ['Pipeline', pipeline, viaGraphQL('mutation($id: ID!) { runPipelineNow(id: $id) { id } }', (id) => ({ id }))],
    ['Pipeline run', run, viaGraphQL('mutation($id: ID!) { cancelPipelineRun(runId: $id) { id } }', (id) => ({ id }))],
    ['Pipeline run', run, viaRest((id) => `/api/v1/pipeline-runs/${id}/files/main`)],
    ['Connector', connector, viaGraphQL('query($id: ID!) { connector(id: $id) { id } }', (id) => ({ id }))],
    ['Connector', connector, viaGraphQL('mutation($id: ID!) { deleteConnector(id: $id) }', (id) => ({ id }))],
  ] as const)('%s: an existing id and a random one get the same NOT_FOUND', async (kind, existing, ask) => {
    const forExisting = await ask(existing);
    const forRandom = await ask(randomUUID());
    expect(forExisting).toBe(forRandom);
    expect(forExisting).toContain(`${kind} <id> does not exist or is not visible to you`);
    expect(forExisting).toMatch(/NOT_FOUND/);
    expect(forExisting).not.toContain(demo.projectId);
  });

  it('lets a collaborator below the role it needs see the object, and says which role it needs', async () => {
    const viewer = await member(berth, admin, 'viewer@test.berth', { projectId: demo.projectId, role: 'viewer' });
    const refused = await graphql('mutation($id: ID!) { deleteConnector(id: $id) }', { id: connector }, viewer.token);
    expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(refused.errors?.[0].message).toMatch(/needs the contributor role in the project; you are viewer/);
  });

  describe('an account whose password an admin reset', () => {
    const predict = async (slug: string, token: string) => {
      const response = await fetch(`${url}/api/v1/deployments/${slug}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ inputs: PENGUIN }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const feedback = async (token: string) =>
      (await fetch(`${url}/api/v1/deployments/${deployment.slug}/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ requestId: randomUUID(), actual: 'Adelie' }),
      })).status;
    const download = async (token: string) => (await fetch(`${url}/api/v1/models/${demo.penguins.v2.best}/files/model.json`, { headers: { authorization: `Bearer ${token}` } })).status;

    it('is refused by every REST route with its personal token until the password is changed', async () => {
      const user = await member(berth, admin, 'reset@test.berth', { projectId: demo.projectId, role: 'viewer' });
      const pat = (await graphql<{ createAccessToken: { token: string } }>('mutation { createAccessToken(input: { name: "script" }) { token } }', {}, user.token)).data!.createAccessToken.token;
      expect((await predict(deployment.slug, pat)).status).toBe(200);
      expect((await predict(instanceWide.slug, pat)).status).toBe(200);
      expect(await download(pat)).toBe(200);

      const generated = (await graphql<{ resetUserPassword: { generatedPassword: string } }>('mutation($id: ID!) { resetUserPassword(id: $id) { generatedPassword } }', { id: user.id }, admin)).data!
        .resetUserPassword.generatedPassword;
      for (const slug of [deployment.slug, instanceWide.slug]) {
        const refused = await predict(slug, pat);
        expect(refused.status).toBe(403);
        expect(refused.body).toMatchObject({ code: 'FORBIDDEN', reason: 'PASSWORD_CHANGE_REQUIRED' });
        expect(refused.body.error).toMatch(/changePassword/);
      }
      expect(await feedback(pat)).toBe(403);
      expect(await download(pat)).toBe(403);

      const session = await login('reset@test.berth', generated);
      const changed = await graphql('mutation($c: String!) { changePassword(currentPassword: $c, newPassword: "My-Own-Phrase-Again-4") { email } }', { c: generated }, session);
      expect(changed.errors).toBeUndefined();
      expect((await predict(deployment.slug, pat)).status).toBe(200);
      expect(await download(pat)).toBe(200);
    });
  });
});

describe('unknown bearer tokens on two replicas', async () => {
  const first = await startTestBerth();
  const second = await startTestBerth({ databaseUrl: first.databaseUrl });
  const admin = await first.login(ADMIN.email, ADMIN.password);
  const user = await member(first, admin, 'tokens@test.berth');
  const me = async (berth: TestBerth, token: string) => (await berth.graphql<{ me: { email: string } | null }>('{ me { email } }', {}, token)).data?.me ?? null;
  /** A token that is valid for the user in the database, inserted behind Berth's back (nothing announced). */
  const plant = async (secret: string) =>
    first.berth.services.db.query(`INSERT INTO access_tokens (user_id, kind, name, token_hash, prefix) VALUES ($1, 'personal', 'planted', $2, $3)`, [user.id, hashToken(secret), secret.slice(0, 14)]);
  const randomSecret = () => `berth_pat_${randomBytes(24).toString('base64url')}`;
  /**
   * A secret the replica found unknown, then planted in the database: the replica still answers it
   * as unknown, from memory. Retried with a new secret while a creation announced earlier (the
   * setup's sign-ins) reaches the replica in between and rightly makes it read again.
   */
  const plantedUnknown = () =>
    waitFor('the replica to answer a planted token from memory', async () => {
      const secret = randomSecret();
      expect(await me(second, secret)).toBeNull();
      await plant(secret);
      return (await me(second, secret)) === null ? secret : null;
    });

  it('an unknown token is answered from memory until a token is created, on every replica', async () => {
    // The token exists in the database, unannounced: the replica answers from memory, reading nothing.
    const secret = await plantedUnknown();
    // A token created on the other replica is announced; every replica forgets what it found unknown.
    await first.graphql('mutation { createAccessToken(input: { name: "announcer" }) { token } }', {}, user.token);
    await waitFor('the replica to read the token again', async () => (await me(second, secret))?.email === 'tokens@test.berth');
  });

  it('remembers an unknown token only for a while', async () => {
    const secret = await plantedUnknown();
    const auth = second.berth.services.auth;
    const clock = auth.clock;
    auth.clock = { now: () => clock.now() + UNKNOWN_TOKEN_MS + 1 };
    try {
      expect((await me(second, secret))?.email).toBe('tokens@test.berth');
    } finally {
      auth.clock = clock;
    }
  });

  it('signs in a fresh session at once although its secret was never seen', async () => {
    const session = await first.login('tokens@test.berth', 'member-password-1');
    expect((await me(second, session))?.email).toBe('tokens@test.berth');
  });
});
