import type { TestBerth } from './berth';
import { ADMIN } from './berth';
import { seedDemo } from '../../server/demo/seed';

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
  for (let i = 0; i < 600; i++) {
    const result = await berth.graphql<{ experiments: any[] }>(
      'query($p: ID!) { experiments(projectId: $p) { id name versions { number status failureReason models { id isBest status } } } }',
      { p: projectId },
      token,
    );
    const experiments = result.data!.experiments;
    if (experiments.every((e) => e.versions.every((v: any) => v.status !== 'training'))) {
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
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('demo training did not finish');
}
