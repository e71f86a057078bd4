import { Readable } from 'node:stream';
import { User } from '../auth/user.entity';
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
  },
];

/**
 * Demo data for a newcomer's first start, created once, on an empty instance only
 * (`BERTH_DEMO=off` skips it): a project with two experiments of two versions each, trained
 * in the background by the job runner from real data.
 */
export async function seedDemo(services: Services, adminEmail: string, logger: Logger): Promise<void> {
  const admin = await services.db.getRepository(User).findOneByOrFail({ email: adminEmail });
  const project = await services.projects.create(admin, 'Demo', 'Example project created on the first start of this instance.');
  for (const demo of DEMO_EXPERIMENTS) {
    const records = vegaRecords(demo.data).filter((r) => r[demo.target] !== null && r[demo.target] !== undefined);
    const dataset = await services.datasets.upload(project.id, admin.id, `${demo.data}.csv`, Readable.from([toCsv(records, demo.columns)]));
    const experiment = await services.experiments.create(project.id, { name: demo.name, description: demo.description, task: demo.task, targetColumn: demo.target });
    for (const version of demo.versions) {
      const features = dataset.inferredSchema.filter((f) => version.features.includes(f.name));
      await services.experiments.createTrainingVersion(experiment, admin.id, { datasetId: dataset.id, description: version.description, features });
    }
  }
  logger.info({ projectId: project.id }, 'created the demo project; its models are training in the background');
}
