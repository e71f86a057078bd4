import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { conflict } from './platform/errors';
import { AuthService } from './auth/auth.service';
import { Policy } from './auth/policy';
import { RequestViewer } from './auth/request-viewer';
import { DatasetService } from './experiments/dataset.service';
import { ExperimentService } from './experiments/experiment.service';
import type { ArtifactStore } from './platform/artifacts/artifact-store';
import type { EventBus } from './platform/event-bus';
import type { JobRunner } from './platform/jobs';
import type { Logger } from './platform/logger';
import { ProjectService } from './projects/project.service';
import type { Config } from './config';
import { DeploymentService } from './deployments/deployment.service';
import { MonitoringService } from './monitoring/monitoring.service';
import { PredictionLog } from './monitoring/log/prediction-log';
import { Metrics } from './telemetry/metrics';
import { UsageTracker } from './telemetry/usage';
import { ConnectorService } from './connectors/connector.service';
import { PipelineRunner, type ConnectorAccess } from './pipelines/pipeline-runner';
import { PipelineService } from './pipelines/pipeline.service';
import { DeploymentRegistry } from './serving/deployment-registry';
import { PredictionService } from './serving/prediction.service';
import { configureRuntimes } from './ml/runtimes';

/** The domain services, built once at start-up and handed to resolvers and routes. */
export interface Services {
  config: Config;
  db: DataSource;
  bus: EventBus;
  policy: Policy;
  auth: AuthService;
  /** Bearer token or session cookie → viewer, for GraphQL (HTTP and WebSocket) and the REST routes alike. */
  requestViewer: RequestViewer;
  projects: ProjectService;
  datasets: DatasetService;
  experiments: ExperimentService;
  deployments: DeploymentService;
  registry: DeploymentRegistry;
  predictionLog: PredictionLog;
  predictions: PredictionService;
  monitoring: MonitoringService;
  usage: UsageTracker;
  metrics: Metrics;
  connectors: ConnectorService;
  pipelines: PipelineService;
}

export interface ServiceDependencies {
  config: Config;
  /** BERTH_SECRET or the one generated into the data folder: encrypts connector credentials. */
  secret: string;
  db: DataSource;
  bus: EventBus;
  artifacts: ArtifactStore;
  jobs: JobRunner;
  logger: Logger;
}

/** Builds the services and defines their jobs on the job runner. */
export function createServices({ config, secret, db, bus, artifacts, jobs, logger }: ServiceDependencies): Services {
  // Before anything builds a runtime: which one serves Berth-trained models (BERTH_RUNTIME).
  configureRuntimes({
    prefer: config.serving.runtime,
    onFallback: (error) => logger.warn({ err: error }, 'ONNX Runtime could not load a Berth-trained model; TF.js serves it'),
  });
  const datasets = new DatasetService(db, artifacts, config.limits);
  const experiments = new ExperimentService(db, bus, artifacts, datasets, jobs, logger);
  const deployments = new DeploymentService(db, bus, experiments);
  const projects = new ProjectService(db, bus);
  projects.addDeletionCheck(async (projectId) => {
    const count = await deployments.countInProject(projectId);
    if (count > 0) throw conflict(`The project still has ${count} deployment${count === 1 ? '' : 's'}; delete ${count === 1 ? 'it' : 'them'} first`);
  });
  const predictionLog = new PredictionLog(logger, {
    databaseUrl: (db.options as { url: string }).url,
    // Per process: replicas may share the data folder.
    spillDir: path.join(config.dataDir, 'prediction-log-spill', `${process.pid}-${randomUUID().slice(0, 8)}`),
  });
  const usage: UsageTracker = new UsageTracker(db, logger, { memoryOf: () => registry.memoryByDeployment() });
  const registry = new DeploymentRegistry(db, bus, artifacts, logger, {
    batching: { maxDelayMs: config.serving.batchDelayMs },
    probeIntervalMs: config.serving.probeIntervalMs,
    onModelCall: (deploymentId, cpuMicros, rows) => usage.recordCall(deploymentId, cpuMicros, rows),
  });
  const metrics = new Metrics(() => predictionLog.stats);
  // Never Berth's own database (the one `db` connects to, from DATABASE_URL or the embedded server).
  const connectors = new ConnectorService(db, secret, { allowedHosts: config.connectors.allowedHosts });
  // Every use goes through the service: it checks the address, the database and the session first.
  const connectorAccess: ConnectorAccess = {
    async *readSql(connectorId, sql, chunkRows) {
      yield* connectors.readSql(await connectors.get(connectorId), sql, chunkRows);
    },
    openTable: async (connectorId, table, columns, runId) => connectors.openTable(await connectors.get(connectorId), table, columns, runId),
  };
  const runner = new PipelineRunner({ db, bus, artifacts, datasets, experiments, deployments, connectors: connectorAccess, predictionLog, logger, dataDir: config.dataDir });
  const pipelines = new PipelineService(db, bus, jobs, artifacts, datasets, deployments, async (id, projectId) => (await connectors.list(projectId)).some((c) => c.id === id), runner);
  connectors.addDeletionCheck(async (connectorId) => {
    if (await pipelines.usesConnector(connectorId)) throw conflict('A pipeline still reads from or delivers to this connector; change or delete it first');
  });
  const policy = new Policy(db, bus);
  const auth = new AuthService(db, bus);
  return {
    config,
    db,
    bus,
    policy,
    auth,
    requestViewer: new RequestViewer(auth, policy),
    projects,
    datasets,
    experiments,
    deployments,
    registry,
    predictionLog,
    predictions: new PredictionService(predictionLog, usage, metrics, logger, { maxRows: config.limits.predictRows, challengerQueueRows: config.serving.challengerQueueRows, challengerBatchMs: config.serving.challengerBatchMs }),
    monitoring: new MonitoringService(db, deployments, experiments),
    usage,
    metrics,
    connectors,
    pipelines,
  };
}
