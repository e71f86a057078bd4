import type { DataSource } from 'typeorm';
import { AuthService } from './auth/auth.service';
import { Policy } from './auth/policy';
import { DatasetService } from './experiments/dataset.service';
import { ExperimentService } from './experiments/experiment.service';
import type { ArtifactStore } from './platform/artifact-store';
import type { EventBus } from './platform/event-bus';
import type { JobRunner } from './platform/jobs';
import type { Logger } from './platform/logger';
import { ProjectService } from './projects/project.service';

/** The domain services, built once at start-up and handed to resolvers and routes. */
export interface Services {
  db: DataSource;
  bus: EventBus;
  policy: Policy;
  auth: AuthService;
  projects: ProjectService;
  datasets: DatasetService;
  experiments: ExperimentService;
}

export interface ServiceDependencies {
  db: DataSource;
  bus: EventBus;
  artifacts: ArtifactStore;
  jobs: JobRunner;
  logger: Logger;
  limits: { uploadBytes: number; datasetRows: number };
}

/** Builds the services and defines their jobs on the job runner. */
export function createServices({ db, bus, artifacts, jobs, logger, limits }: ServiceDependencies): Services {
  const datasets = new DatasetService(db, artifacts, limits);
  return {
    db,
    bus,
    policy: new Policy(db),
    auth: new AuthService(db),
    projects: new ProjectService(db, bus),
    datasets,
    experiments: new ExperimentService(db, bus, artifacts, datasets, jobs, logger),
  };
}
