import { Readable } from 'node:stream';
import { User } from '../auth/user.entity';
import { DeploymentAccess } from '../deployments/deployment.entity';
import { ExperimentTask } from '../experiments/experiment.entity';
import type { Logger } from '../platform/logger';
import type { Services } from '../services';
import { toCsv, vegaRecords } from './vega-datasets';

interface DemoExperiment {
  name: string;
  description: string;
  /** A data set of vega-datasets. */
  data: string;
  task: ExperimentTask;
  target: string;
  /** Columns kept in the uploaded CSV. */
  columns: string[];
  /** Features of version 1 and version 2 (more features in 2). */
  versions: Array<{ description: string; features: string[] }>;
  /** Main: the best model of version 2; challenger: the best of version 1. */
  deployment: { name: string; access: DeploymentAccess; challenger: boolean };
}

/** Real data shipped in the vega-datasets package: nothing is downloaded. */
const DEMO_EXPERIMENTS: DemoExperiment[] = [
  {
    name: 'Penguins species',
    description: 'Which of three species a penguin of the Palmer archipelago belongs to.',
    data: 'penguins',
    task: ExperimentTask.multiclass,
    target: 'Species',
    columns: ['Species', 'Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'],
    versions: [
      { description: 'Beak and flipper measurements only', features: ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)'] },
      { description: 'All measurements, island and sex', features: ['Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'] },
    ],
    deployment: { name: 'Penguins', access: DeploymentAccess.public, challenger: true },
  },
  {
    name: 'Cars MPG',
    description: 'Fuel consumption (miles per gallon) of cars from 1970 to 1982.',
    data: 'cars',
    task: ExperimentTask.regression,
    target: 'Miles_per_Gallon',
    columns: ['Miles_per_Gallon', 'Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Origin'],
    versions: [
      { description: 'Engine and weight', features: ['Cylinders', 'Horsepower', 'Weight_in_lbs'] },
      { description: 'All specifications and origin', features: ['Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Origin'] },
    ],
    deployment: { name: 'Cars MPG', access: DeploymentAccess.project, challenger: false },
  },
];

/**
 * Demo data for a newcomer's first start, created once, on an empty instance only
 * (`BERTH_DEMO=off` skips it): a project with two experiments of two versions each, trained
 * in the background by the job runner from real data, then deployed: "Penguins" (public, with
 * a challenger) and "Cars MPG" (project access).
 */
export async function seedDemo(services: Services, adminEmail: string, logger: Logger, options: { deploy?: boolean } = {}): Promise<void> {
  const admin = await services.db.getRepository(User).findOneByOrFail({ email: adminEmail });
  const project = await services.projects.create(admin, 'Demo', 'Example project created on the first start of this instance.');
  const created: Array<{ demo: DemoExperiment; experimentId: string }> = [];
  for (const demo of DEMO_EXPERIMENTS) {
    const records = vegaRecords(demo.data).filter((r) => r[demo.target] !== null && r[demo.target] !== undefined);
    const dataset = await services.datasets.upload(project.id, admin.id, `${demo.data}.csv`, Readable.from([toCsv(records, demo.columns)]));
    const experiment = await services.experiments.create(project.id, { name: demo.name, description: demo.description, task: demo.task, targetColumn: demo.target });
    for (const version of demo.versions) {
      const features = dataset.inferredSchema.filter((f) => version.features.includes(f.name));
      await services.experiments.createTrainingVersion(experiment, admin.id, { datasetId: dataset.id, description: version.description, features });
    }
    created.push({ demo, experimentId: experiment.id });
  }
  logger.info({ projectId: project.id }, 'created the demo project; its models are training in the background');
  if (options.deploy !== false) {
    void deployWhenTrained(services, admin, project.id, created, logger).catch((error) => logger.error({ err: error }, 'could not deploy the demo models'));
  }
}

/** Deploys each demo experiment as its versions finish training (in the background of the first start). */
async function deployWhenTrained(services: Services, admin: User, projectId: string, created: Array<{ demo: DemoExperiment; experimentId: string }>, logger: Logger): Promise<void> {
  for (const { demo, experimentId } of created) {
    let versions = await services.experiments.versions(experimentId);
    for (let i = 0; i < 1200 && versions.some((v) => v.status === 'training'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      versions = await services.experiments.versions(experimentId);
    }
    const best = async (number: number) => {
      const version = versions.find((v) => v.number === number);
      return version ? (await services.experiments.models(version.id)).find((m) => m.isBest) : undefined;
    };
    const main = await best(2);
    if (!main) {
      logger.warn({ experiment: demo.name }, 'the demo model did not train; no demo deployment');
      continue;
    }
    const challenger = demo.deployment.challenger ? await best(1) : undefined;
    const deployment = await services.deployments.create(admin, {
      projectId,
      experimentId,
      name: demo.deployment.name,
      description: demo.description,
      mainModelId: main.id,
      challengerModelId: challenger?.id ?? null,
      access: demo.deployment.access,
    });
    logger.info({ deployment: deployment.slug, url: `${services.config.publicUrl}/d/${deployment.slug}` }, 'deployed a demo model');
  }
}
