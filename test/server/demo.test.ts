import { describe, expect, it } from 'vitest';
import { seedDemo } from '../../server/demo/seed';
import { ADMIN, startTestBerth } from '../support/berth';
import { waitFor } from '../support/wait';

describe('demo data', async () => {
  const { berth, graphql, login } = await startTestBerth();
  const token = await login(ADMIN.email, ADMIN.password);

  it('creates a project with penguins and cars experiments, two versions each, trained to at least two ready models per version', async () => {
    await seedDemo(berth.services, ADMIN.email, berth.logger);
    const query = `{ projects { name id } }`;
    const project = (await graphql<{ projects: Array<{ name: string; id: string }> }>(query, {}, token)).data!.projects.find((p) => p.name === 'Demo')!;
    const experiments = await waitFor('the demo versions to finish training', async () => {
      const result = await graphql<{ experiments: any[] }>(
        'query($p: ID!) { experiments(projectId: $p) { name task versions { number status models { status isBest metrics { accuracy r2 } } } } }',
        { p: project.id },
        token,
      );
      const listed = result.data!.experiments;
      return listed.every((e) => e.versions.every((v: any) => v.status !== 'training')) && listed;
    }, { timeoutMs: 300_000, everyMs: 500 });
    expect(experiments.map((e) => [e.name, e.task])).toEqual([
      ['Cars MPG', 'regression'],
      ['Penguins species', 'multiclass'],
    ]);
    for (const experiment of experiments) {
      expect(experiment.versions.map((v: any) => [v.number, v.status])).toEqual([
        [1, 'ready'],
        [2, 'ready'],
      ]);
      for (const version of experiment.versions) {
        expect(version.models.filter((m: any) => m.status === 'ready').length).toBeGreaterThanOrEqual(2);
        const best = version.models.find((m: any) => m.isBest);
        if (experiment.task === 'multiclass') expect(best.metrics.accuracy).toBeGreaterThanOrEqual(0.9);
        else expect(best.metrics.r2).toBeGreaterThanOrEqual(0.6);
      }
    }
  }, 300_000);
});
