import type { DataSource } from 'typeorm';
import { migrations } from '../migrations';
import { createDataSource } from './platform/database';
import { AccessToken } from './auth/access-token.entity';
import { User } from './auth/user.entity';
import { Collaborator } from './projects/collaborator.entity';
import { Project } from './projects/project.entity';
import { Dataset } from './experiments/dataset.entity';
import { Experiment } from './experiments/experiment.entity';
import { ExperimentVersion } from './experiments/experiment-version.entity';
import { Model } from './experiments/model.entity';
import { ModelUpload } from './experiments/model-upload.entity';
import { ApiKey } from './deployments/api-key.entity';
import { Connector } from './connectors/connector.entity';
import { Pipeline } from './pipelines/pipeline.entity';
import { PipelineRun } from './pipelines/pipeline-run.entity';
import { Deployment } from './deployments/deployment.entity';
import { DeploymentEvent } from './deployments/deployment-event.entity';
import { DeploymentVersion } from './deployments/deployment-version.entity';

/** Every TypeORM entity; migrations/ must create exactly these tables. */
export const entities = [User, AccessToken, Project, Collaborator, Dataset, Experiment, ExperimentVersion, Model, ModelUpload, Deployment, DeploymentVersion, DeploymentEvent, ApiKey, Connector, Pipeline, PipelineRun];

/** Berth's database: these entities, the schema from migrations/. */
export const berthDataSource = (url: string, options: { poolSize?: number } = {}): DataSource => createDataSource(url, { entities, migrations, ...options });
