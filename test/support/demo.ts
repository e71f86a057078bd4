import type { TestBerth } from './berth';
import { ADMIN } from './berth';
import { seedDemo } from '../../server/demo/seed';
import { waitFor } from './wait';

export interface DemoModels {
  projectId: string;
  penguins: { experimentId: string; v1: DemoVersion; v2: DemoVersion };
  cars: { experimentId: string; v1: DemoVersion; v2: DemoVersion };
}

interface DemoVersion {
  best: string;
  other: string;
}

/** Seeds the demo project on a test server and waits for its models: real models trained on real data. */
export async function trainDemo(berth: TestBerth, token: string): Promise<DemoModels> {
  await seedDemo(berth.berth.services, ADMIN.email, berth.berth.logger, { deploy: false });
  const projects = (await berth.graphql<{ projects: Array<{ id: string; name: string }> }>('{ projects { id name } }', {}, token)).data!.projects;
  const projectId = projects.find((p) => p.name === 'Demo')!.id;
  const experiments = await waitFor('the demo models to finish training', async () => {
    const result = await berth.graphql<{ experiments: any[] }>(
      'query($p: ID!) { experiments(projectId: $p) { id name versions { number status failureReason models { id isBest status } } } }',
      { p: projectId },
      token,
    );
    const listed = result.data!.experiments;
    return listed.every((e) => e.versions.every((v: any) => v.status !== 'training')) && listed;
  }, { timeoutMs: 150_000, everyMs: 250 });
  const pick = (name: string) => {
    const experiment = experiments.find((e) => e.name === name)!;
    const version = (n: number) => {
      const models = experiment.versions.find((v: any) => v.number === n).models.filter((m: any) => m.status === 'ready');
      const best = models.find((m: any) => m.isBest);
      const other = models.find((m: any) => !m.isBest);
      if (!best || !other) throw new Error(`demo ${name} version ${n} lacks two ready models: ${JSON.stringify(experiment.versions)}`);
      return { best: best.id, other: other.id };
    };
    return { experimentId: experiment.id, v1: version(1), v2: version(2) };
  };
  return { projectId, penguins: pick('Penguins species'), cars: pick('Cars MPG') };
}

/**
 * Creates a deployment of the demo project (by default public, penguins v2's best model; `input`
 * overrides any of CreateDeploymentInput) and waits until its models are loaded.
 */
export async function deployDemo(berth: TestBerth, token: string, demo: DemoModels, input: Record<string, unknown>): Promise<{ id: string; slug: string }> {
  const created = (await berth.graphql<{ createDeployment: { id: string; slug: string } }>(
    'mutation($input: CreateDeploymentInput!) { createDeployment(input: $input) { id slug } }',
    { input: { projectId: demo.projectId, experimentId: demo.penguins.experimentId, mainModelId: demo.penguins.v2.best, access: 'public', ...input } },
    token,
  )).data!.createDeployment;
  await waitFor(`${created.slug} to deploy`, () => berth.berth.services.registry.status(created.id).deployed, { timeoutMs: 45_000 });
  return created;
}
