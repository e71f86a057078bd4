import type { DataSource, EntityManager } from 'typeorm';
import type { ArtifactStore } from '../platform/artifacts/artifact-store';
import { badInput, conflict, DomainError, notFound } from '../platform/errors';
import { topicFor, type EventBus } from '../platform/event-bus';
import type { JobRunner } from '../platform/jobs';
import type { Logger } from '../platform/logger';
import type { DatasetService } from './dataset.service';
import { Experiment, ExperimentTask } from './experiment.entity';
import { ExperimentVersion, VersionStatus } from './experiment-version.entity';
import { Model, ModelFormat, ModelStatus, type ModelFile } from './model.entity';
import { outputWidth } from '../ml/preprocessing';
import { ModelUpload } from './model-upload.entity';
import { createProfiler } from '../ml/profile';
import { loadModelFromFiles, modelSignature, serializeLayersModel } from '../ml/artifacts';
import { bestCandidate, evaluateModel, fitTrainingSpec, trainCandidates } from '../ml/training';
import type { FeatureSchema, PreprocessingSpec, Row } from '../ml/types';
import { BERTH_CONTRACT, runtimeFor, type ModelContract } from '../ml/runtimes';
import { readOnnxSignature } from '../ml/runtimes/onnx';
import { PRODUCER_VERSION, SERVING_ONNX, servingOnnxFile } from '../ml/onnx/export';
import { checkContract, checkOnReference, proposeContract, type ModelSignature, type ReferenceCheck } from './model-import-check';

export const TRAINING_PROGRESS = 'TRAINING_PROGRESS';
export const TRAIN_JOB = 'experiments.train';

/** What `trainingProgress` subscribers receive while a version trains. */
export interface TrainingProgress {
  versionId: string;
  status: VersionStatus;
  candidate?: string;
  epoch?: number;
  loss?: number;
  valLoss?: number;
  message?: string;
}

/** Checks run before an experiment or version is deleted; deployments add one that refuses. */
export type ModelsInUseCheck = (modelIds: string[]) => Promise<void>;

export interface NewExperiment {
  name: string;
  description?: string | null;
  task: ExperimentTask;
  targetColumn: string;
}

export interface ImportRequest extends TrainingRequest {
  modelUploadId: string;
  modelName?: string | null;
  /** The input and output contract; omitted: the one Berth proposes (Berth's encoding for a TF.js model). */
  contract?: unknown;
  /** Import even when another label order would fit the reference data far better. */
  acceptLabelOrder?: boolean | null;
}

export interface TrainingRequest {
  datasetId: string;
  description?: string | null;
  /** Overrides the types inferred from the data; every column but the target when omitted. */
  features?: FeatureSchema[] | null;
}

export class ExperimentService {
  private readonly inUseChecks: ModelsInUseCheck[] = [];

  constructor(
    private readonly db: DataSource,
    private readonly bus: EventBus,
    private readonly artifacts: ArtifactStore,
    private readonly datasets: DatasetService,
    private readonly jobs: JobRunner,
    private readonly logger: Logger,
  ) {
    jobs.define<{ versionId: string }>(TRAIN_JOB, (job) => this.train(job.attrs.data.versionId), { concurrency: 1 });
  }

  addModelsInUseCheck(check: ModelsInUseCheck): void {
    this.inUseChecks.push(check);
  }

  list(projectId: string): Promise<Experiment[]> {
    return this.db.getRepository(Experiment).find({ where: { projectId }, order: { name: 'ASC' } });
  }

  async get(id: string): Promise<Experiment> {
    const experiment = await this.db.getRepository(Experiment).findOneBy({ id });
    if (!experiment) throw notFound('Experiment', id);
    return experiment;
  }

  versions(experimentId: string): Promise<ExperimentVersion[]> {
    return this.db.getRepository(ExperimentVersion).find({ where: { experimentId }, order: { number: 'ASC' } });
  }

  async version(id: string): Promise<ExperimentVersion> {
    const version = await this.db.getRepository(ExperimentVersion).findOneBy({ id });
    if (!version) throw notFound('Experiment version', id);
    return version;
  }

  models(versionId: string): Promise<Model[]> {
    return this.db.getRepository(Model).find({ where: { versionId }, order: { isBest: 'DESC', name: 'ASC' } });
  }

  async model(id: string): Promise<Model> {
    const model = await this.db.getRepository(Model).findOneBy({ id });
    if (!model) throw notFound('Model', id);
    return model;
  }

  /** The project a model belongs to, for access checks. */
  async projectOfModel(modelId: string): Promise<string> {
    const row = await this.db
      .createQueryBuilder(Model, 'm')
      .innerJoin(ExperimentVersion, 'v', 'v.id = m.version_id')
      .innerJoin(Experiment, 'e', 'e.id = v.experiment_id')
      .select('e.project_id', 'projectId')
      .where('m.id = :modelId', { modelId })
      .getRawOne<{ projectId: string }>();
    if (!row) throw notFound('Model', modelId);
    return row.projectId;
  }

  async create(projectId: string, input: NewExperiment): Promise<Experiment> {
    const name = input.name.trim();
    if (!name || name.length > 100) throw badInput('name', 'must be 1 to 100 characters');
    const targetColumn = input.targetColumn.trim();
    if (!targetColumn) throw badInput('targetColumn', 'name the column the models predict');
    const repository = this.db.getRepository(Experiment);
    if (await repository.existsBy({ projectId, name })) throw conflict(`The project already has an experiment named "${name}"`);
    return repository.save(repository.create({ projectId, name, description: input.description?.trim() ?? '', task: input.task, targetColumn }));
  }

  /**
   * Checks the request and the data now, so bad input is refused before anything is
   * created, then creates version n+1 in `training` and queues the training job.
   */
  async createTrainingVersion(experiment: Experiment, createdBy: string, request: TrainingRequest): Promise<ExperimentVersion> {
    const { dataset, schema } = await this.checkedData(experiment, request);
    const version = await this.db.transaction(async (tx) => {
      const number = await nextVersionNumber(tx, experiment.id);
      return tx.save(
        tx.create(ExperimentVersion, {
          experimentId: experiment.id,
          number,
          description: request.description?.trim() ?? '',
          status: VersionStatus.training,
          datasetId: dataset.id,
          featureSchema: schema,
          createdBy,
        }),
      );
    });
    await this.jobs.now(TRAIN_JOB, { versionId: version.id });
    return version;
  }

  /**
   * Creates version n+1 from uploaded TF.js files (POST /api/v1/projects/{id}/model-uploads)
   * and a reference CSV: the spec is fitted as training would fit it, the model is loaded once
   * to check that its input and output widths fit, then evaluated on the holdout split.
   */
  async importVersion(experiment: Experiment, createdBy: string, request: ImportRequest): Promise<ExperimentVersion> {
    const upload = await this.db.getRepository(ModelUpload).findOneBy({ id: request.modelUploadId, projectId: experiment.projectId });
    if (!upload) throw notFound('Model upload', request.modelUploadId);
    const { dataset, schema, rows, fitted } = await this.checkedData(experiment, request);
    const { spec, split } = fitted;
    const contract = this.importContract(upload, spec, request.contract);
    if (contract.input.kind !== 'berth') return this.importRawModel(experiment, createdBy, request, { upload, dataset, schema, rows, spec, contract });
    if (upload.format === ModelFormat.onnx) throw badInput('contract', 'an ONNX model takes raw features: declare a "features" or "matrix" contract');

    if (upload.inputWidth !== spec.inputWidth) {
      throw badInput(
        'modelUploadId',
        `model.json takes ${upload.inputWidth} inputs per row, but the ${schema.length} features encode to ${spec.inputWidth} ` +
          `(numeric and boolean: 1 each; categorical: one per category seen in ${dataset.fileName} plus one for unknown values)`,
      );
    }
    const expectedOutputs = outputWidth(spec.target);
    const binaryTwoUnits = spec.target.task === 'binary' && upload.outputWidth === 2;
    if (upload.outputWidth !== expectedOutputs && !binaryTwoUnits) {
      throw badInput('modelUploadId', `model.json produces ${upload.outputWidth} outputs per row; a ${experiment.task} experiment with this data needs ${expectedOutputs}`);
    }

    const { model } = await loadModelFromFiles(await Promise.all(upload.files.map(async (f) => ({ name: f.name, bytes: await this.artifacts.read(f.sha256) }))));
    let evaluation;
    try {
      evaluation = evaluateModel(model, spec, split.holdout);
    } catch (error) {
      throw badInput('modelUploadId', `the model could not predict the holdout rows of ${dataset.fileName}: ${(error as Error).message}`);
    } finally {
      model.dispose();
    }
    return this.storeImport(experiment, createdBy, request, { upload, dataset, schema, rows, spec }, {
      contract: null,
      inputWidth: upload.inputWidth,
      outputWidth: upload.outputWidth,
      metrics: evaluation.metrics,
      holdoutDistribution: evaluation.distribution,
    });
  }

  /** The contract the import uses: the one given (checked against the file's signature), else Berth's proposal. */
  private importContract(upload: ModelUpload, spec: PreprocessingSpec, given: unknown): ModelContract {
    if (given !== undefined && given !== null) {
      const contract = checkContract(given, upload.signature, spec);
      // A TF.js upload has no signature; its one input's width is known.
      if (contract.input.kind === 'matrix' && upload.inputWidth !== null && upload.inputWidth !== contract.input.columns.length) {
        throw badInput('contract.input.columns', `model.json takes ${upload.inputWidth} values per row; the contract declares ${contract.input.columns.length} columns`);
      }
      if (contract.input.kind === 'features' && upload.format !== ModelFormat.onnx) throw badInput('contract.input.kind', 'a TF.js model takes one float tensor: declare a "matrix" contract');
      return contract;
    }
    if (upload.format !== ModelFormat.onnx) return BERTH_CONTRACT;
    const { contract, problems } = proposeContract(upload.signature!, spec);
    if (!contract || problems.length > 0) throw badInput('contract', `Berth cannot propose a contract for this model: ${problems.join('; ')}`);
    return checkContract(contract, upload.signature, spec);
  }

  /** What the import form shows for confirmation: the file's signature and the contract Berth proposes for it. */
  async proposeContract(experiment: Experiment, request: Pick<ImportRequest, 'datasetId' | 'modelUploadId' | 'features'>): Promise<{ signature: ModelSignature | null; contract: ModelContract | null; problems: string[] }> {
    const upload = await this.db.getRepository(ModelUpload).findOneBy({ id: request.modelUploadId, projectId: experiment.projectId });
    if (!upload) throw notFound('Model upload', request.modelUploadId);
    const { fitted } = await this.checkedData(experiment, request);
    if (upload.format !== ModelFormat.onnx) return { signature: upload.signature, contract: BERTH_CONTRACT, problems: [] };
    return { signature: upload.signature, ...proposeContract(upload.signature!, fitted.spec) };
  }

  /**
   * A model that takes raw features (ONNX, or TF.js with its own normalisation): loaded through
   * the runtime that will serve it, run on every labelled reference row with the contract's
   * codec, and stored with its metrics on them. Nothing is stored when any step fails.
   */
  private async importRawModel(
    experiment: Experiment,
    createdBy: string,
    request: ImportRequest,
    of: { upload: ModelUpload; dataset: { id: string; fileName: string }; schema: FeatureSchema[]; rows: Row[]; spec: PreprocessingSpec; contract: ModelContract },
  ): Promise<ExperimentVersion> {
    const { upload, dataset, schema, rows, spec, contract } = of;
    const runtime = runtimeFor({ format: upload.format, contract }, () => Promise.all(upload.files.map(async (f) => ({ name: f.name, bytes: await this.artifacts.read(f.sha256) }))));
    let check: ReferenceCheck;
    try {
      await runtime.load();
      check = await checkOnReference(runtime, spec, contract, rows, dataset.fileName);
    } finally {
      runtime.unload();
    }
    if (check.betterLabelOrder && !request.acceptLabelOrder) {
      const accuracy = (check.metrics as { accuracy: number }).accuracy;
      throw badInput(
        'contract.output.labels',
        `with the label order ${(contract.output as { labels: string[] }).labels.join(', ')} the model is right on ${percent(accuracy)} of ${dataset.fileName}; ` +
          `with ${check.betterLabelOrder.labels.join(', ')} it would be right on ${percent(check.betterLabelOrder.accuracy)}. ` +
          'Declare the order of the model\'s output columns, or set acceptLabelOrder to import it as it is',
      );
    }
    return this.storeImport(experiment, createdBy, request, of, {
      contract,
      inputWidth: upload.inputWidth,
      outputWidth: runtimeOutputWidth(contract, spec),
      metrics: check.metrics,
      holdoutDistribution: check.distribution,
    });
  }

  /**
   * Stores an imported model's version and model in one transaction: the reference profile of
   * its CSV, the files (they now belong to the model, so the upload goes) and what the import
   * measured. Nothing is stored when any step fails.
   */
  private async storeImport(
    experiment: Experiment,
    createdBy: string,
    request: ImportRequest,
    of: { upload: ModelUpload; dataset: { id: string }; schema: FeatureSchema[]; rows: Row[]; spec: PreprocessingSpec },
    model: Pick<Model, 'contract' | 'inputWidth' | 'outputWidth' | 'metrics' | 'holdoutDistribution'>,
  ): Promise<ExperimentVersion> {
    const { upload, dataset, schema, rows, spec } = of;
    const profiler = createProfiler(schema);
    for (const row of rows) profiler.add(row);
    return this.db.transaction(async (tx) => {
      const number = await nextVersionNumber(tx, experiment.id);
      const version = await tx.save(
        tx.create(ExperimentVersion, {
          experimentId: experiment.id,
          number,
          description: request.description?.trim() ?? '',
          status: VersionStatus.ready,
          datasetId: dataset.id,
          featureSchema: schema,
          preprocessing: spec,
          profile: profiler.finish(),
          labels: spec.target.task === 'regression' ? null : spec.target.labels,
          example: exampleRow(rows, schema),
          createdBy,
        }),
      );
      await tx.save(
        tx.create(Model, {
          versionId: version.id,
          name: request.modelName?.trim() || 'imported',
          algorithm: 'imported',
          format: upload.format,
          status: ModelStatus.ready,
          files: upload.files,
          ...model,
          isBest: true,
          sizeBytes: upload.files.reduce((sum, f) => sum + f.size, 0),
        }),
      );
      // The files now belong to the model.
      await tx.delete(ModelUpload, upload.id);
      return version;
    });
  }

  /**
   * Checks a version request against its dataset, so bad input is refused before anything
   * is created: the target and features are columns, and the data can train a model.
   */
  private async checkedData(experiment: Experiment, request: TrainingRequest) {
    const dataset = await this.datasets.get(request.datasetId, experiment.projectId);
    if (!dataset.columns.includes(experiment.targetColumn)) {
      throw badInput('datasetId', `${dataset.fileName} has no column "${experiment.targetColumn}" (the experiment's target); its columns are ${dataset.columns.join(', ')}`);
    }
    const schema = request.features ?? dataset.inferredSchema.filter((feature) => feature.name !== experiment.targetColumn);
    validateSchema(schema, dataset.columns, experiment.targetColumn, dataset.fileName);
    const rows = await this.datasets.readAll(dataset);
    try {
      const fitted = fitTrainingSpec(rows, schema, { name: experiment.targetColumn, task: experiment.task });
      return { dataset, schema, rows, fitted };
    } catch (error) {
      throw error instanceof DomainError ? inFile(error, dataset.fileName) : error;
    }
  }

  /**
   * Checks uploaded TF.js files (a model.json, Layers or Graph, and the weight shards its
   * manifest names, with the right sizes) and stores them for `importVersion`. Refused files
   * leave nothing behind.
   */
  async uploadModelFiles(projectId: string, createdBy: string, files: Array<{ name: string; bytes: Uint8Array }>): Promise<ModelUpload> {
    const onnx = files.filter((file) => file.name.toLowerCase().endsWith('.onnx'));
    let described: Pick<ModelUpload, 'format' | 'inputWidth' | 'outputWidth' | 'signature'>;
    if (onnx.length > 0) {
      if (files.length !== 1) throw badInput('files', `an ONNX model is one .onnx file (its weights inside); got ${files.map((f) => f.name).join(', ')}`);
      const signature = await readOnnxSignature(files[0]!.name, files[0]!.bytes);
      described = { format: ModelFormat.onnx, inputWidth: null, outputWidth: null, signature };
    } else {
      const { model, format } = await loadModelFromFiles(files);
      const { inputWidth, outputWidth } = modelSignature(model);
      model.dispose();
      described = { format: format as ModelFormat, inputWidth, outputWidth, signature: null };
    }
    const stored: ModelFile[] = [];
    try {
      for (const file of files) {
        const { sha256, size } = await this.artifacts.put(file.bytes);
        stored.push({ name: file.name, sha256, size });
      }
      const repository = this.db.getRepository(ModelUpload);
      return await repository.save(repository.create({ projectId, createdBy, ...described, files: stored }));
    } catch (error) {
      for (const file of stored) await this.releaseArtifact(file.sha256);
      throw error;
    }
  }

  /**
   * The training job: profiles the data, trains the candidates, stores each ready model's
   * files, then records models and version in one transaction. Safe to run again for the
   * same version (a worker that died mid-run): earlier results are replaced.
   */
  async train(versionId: string): Promise<void> {
    const version = await this.version(versionId);
    const experiment = await this.get(version.experimentId);
    const written: string[] = [];
    const progress = (update: Omit<TrainingProgress, 'versionId'>) =>
      this.bus.publish(topicFor(TRAINING_PROGRESS, versionId), { versionId, ...update }).catch((error) => this.logger.warn({ err: error }, 'could not publish training progress'));
    try {
      await this.removeModels(versionId);
      const dataset = await this.datasets.get(version.datasetId!);
      const rows = await this.datasets.readAll(dataset);

      const profiler = createProfiler(version.featureSchema);
      for (const row of rows) profiler.add(row);
      const profile = profiler.finish();

      const target = { name: experiment.targetColumn, task: experiment.task };
      this.logger.info({ experiment: experiment.name, version: version.number, rows: rows.length }, 'training started');
      const result = await trainCandidates({ rows, schema: version.featureSchema, target }, (p) =>
        void progress({ status: VersionStatus.training, candidate: p.candidate, epoch: p.epoch, loss: p.loss, valLoss: p.valLoss }),
      );
      const best = bestCandidate(experiment.task, result.candidates);

      const models: Partial<Model>[] = [];
      for (const candidate of result.candidates) {
        if (candidate.status !== 'ready' || !candidate.model) {
          models.push({ name: candidate.name, algorithm: candidate.algorithm, status: ModelStatus.failed, files: [], failureReason: candidate.failureReason ?? 'training failed', trainingMs: candidate.trainingMs });
          continue;
        }
        const files: ModelFile[] = [];
        const serialized = (await serializeLayersModel(candidate.model)).files;
        for (const file of serialized) {
          const stored = await this.artifacts.put(file.bytes);
          written.push(stored.sha256);
          files.push({ name: file.name, sha256: stored.sha256, size: stored.size });
        }
        // The ONNX serving graph, compiled once here so ONNX Runtime (BERTH_RUNTIME=auto) loads it as is.
        const compiled = await servingOnnxFile(serialized, PRODUCER_VERSION).catch((error: unknown) => {
          this.logger.warn({ err: error, model: candidate.name }, 'the model did not compile to ONNX; TF.js will serve it');
          return undefined;
        });
        if (compiled) {
          const stored = await this.artifacts.put(compiled.bytes);
          written.push(stored.sha256);
          files.push({ name: compiled.name, sha256: stored.sha256, size: stored.size });
        }
        models.push({
          name: candidate.name,
          algorithm: candidate.algorithm,
          format: ModelFormat.layers,
          status: ModelStatus.ready,
          files,
          inputWidth: result.spec.inputWidth,
          outputWidth: candidate.model.outputs[0]!.shape[1] ?? null,
          metrics: candidate.metrics ?? null,
          holdoutDistribution: candidate.holdoutDistribution ?? null,
          isBest: candidate === best,
          trainingMs: candidate.trainingMs,
          // The compiled ONNX graph is a cache of the same weights, not part of the model's size.
          sizeBytes: files.reduce((sum, f) => sum + (f.name === SERVING_ONNX ? 0 : f.size), 0),
        });
        candidate.model.dispose();
      }

      const ready = models.some((m) => m.status === ModelStatus.ready);
      await this.db.transaction(async (tx) => {
        await tx.save(models.map((m) => tx.create(Model, { ...m, versionId })));
        await tx.update(ExperimentVersion, versionId, {
          status: ready ? VersionStatus.ready : VersionStatus.failed,
          failureReason: ready ? null : 'every candidate failed: see each model for its reason',
          preprocessing: result.spec,
          profile,
          labels: result.spec.target.task === 'regression' ? null : result.spec.target.labels,
          // TypeORM's update typing cannot express a free-form jsonb object.
          example: exampleRow(rows, version.featureSchema) as never,
        });
      });
      await progress({ status: ready ? VersionStatus.ready : VersionStatus.failed });
      this.logger.info(
        { experiment: experiment.name, version: version.number, models: models.map((m) => `${m.name}: ${m.status}${m.metrics ? ' ' + summarize(m.metrics) : ''}`) },
        'training finished',
      );
    } catch (error) {
      for (const sha256 of written) await this.releaseArtifact(sha256);
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error({ err: error, versionId }, 'training failed');
      await this.db.getRepository(ExperimentVersion).update(versionId, { status: VersionStatus.failed, failureReason: reason });
      await progress({ status: VersionStatus.failed, message: reason });
    }
  }

  async delete(id: string): Promise<void> {
    const experiment = await this.get(id);
    const versions = await this.versions(experiment.id);
    const models = (await Promise.all(versions.map((v) => this.models(v.id)))).flat();
    for (const check of this.inUseChecks) await check(models.map((m) => m.id));
    await this.db.getRepository(Experiment).delete(id);
    for (const model of models) for (const file of model.files) await this.releaseArtifact(file.sha256);
  }

  async deleteVersion(id: string): Promise<void> {
    const version = await this.version(id);
    if (version.status === VersionStatus.training) throw conflict(`Version ${version.number} is still training; wait for it to finish`);
    const models = await this.models(id);
    for (const check of this.inUseChecks) await check(models.map((m) => m.id));
    await this.db.getRepository(ExperimentVersion).delete(id);
    for (const model of models) for (const file of model.files) await this.releaseArtifact(file.sha256);
  }

  /** The files of a model, checked against their hashes. */
  async modelFile(model: Model, name: string): Promise<Buffer> {
    const file = model.files.find((f) => f.name === name);
    if (!file) throw notFound('Model file', name);
    return this.artifacts.read(file.sha256);
  }

  private async removeModels(versionId: string): Promise<void> {
    const models = await this.models(versionId);
    await this.db.getRepository(Model).delete({ versionId });
    for (const model of models) for (const file of model.files) await this.releaseArtifact(file.sha256);
  }

  /** Deletes a blob unless a model or an upload still lists it (identical files are stored once). */
  private async releaseArtifact(sha256: string): Promise<void> {
    const file = JSON.stringify([{ sha256 }]);
    const [{ used }] = await this.db.query(
      'SELECT EXISTS (SELECT 1 FROM models WHERE files @> $1::jsonb) OR EXISTS (SELECT 1 FROM model_uploads WHERE files @> $1::jsonb) AS used',
      [file],
    );
    if (!used) await this.artifacts.delete(sha256);
  }
}

async function nextVersionNumber(tx: EntityManager, experimentId: string): Promise<number> {
  // Locks the experiment so two versions created at once get distinct numbers.
  await tx.query('SELECT id FROM experiments WHERE id = $1 FOR UPDATE', [experimentId]);
  const [{ max }] = await tx.query('SELECT coalesce(max(number), 0)::int AS max FROM experiment_versions WHERE experiment_id = $1', [experimentId]);
  return max + 1;
}

function validateSchema(schema: FeatureSchema[], columns: string[], target: string, fileName: string): void {
  if (schema.length === 0) throw badInput('features', 'choose at least one feature');
  const seen = new Set<string>();
  for (const feature of schema) {
    if (feature.name === target) throw badInput('features', `"${target}" is the target; it cannot also be a feature`);
    if (!columns.includes(feature.name)) throw badInput('features', `${fileName} has no column "${feature.name}"`);
    if (seen.has(feature.name)) throw badInput('features', `"${feature.name}" is listed twice`);
    if (!['numeric', 'categorical', 'boolean'].includes(feature.type)) throw badInput('features', `"${feature.name}" has type "${feature.type}"; use numeric, categorical or boolean`);
    seen.add(feature.name);
  }
}

/** The first row with every feature present, reduced to the features. */
function exampleRow(rows: Row[], schema: FeatureSchema[]): Record<string, unknown> | null {
  const complete = rows.find((row) => schema.every((f) => row[f.name] !== null && row[f.name] !== undefined && row[f.name] !== '')) ?? rows[0];
  return complete ? Object.fromEntries(schema.map((f) => [f.name, coerce(f, complete[f.name])])) : null;
}

/** CSV cells are text; an example reads better with numbers as numbers. */
function coerce(feature: FeatureSchema, value: unknown): unknown {
  if (feature.type === 'numeric' && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return value ?? null;
}

/** The headline metric of a model, for logs. */
function summarize(metrics: object): string {
  return Object.entries(metrics)
    .filter(([name]) => ['accuracy', 'r2', 'rmse'].includes(name))
    .map(([name, value]) => `${name}=${Number(value).toFixed(3)}`)
    .join(' ');
}

/** The same error, saying which file it is about. */
function inFile(error: DomainError, fileName: string): DomainError {
  return new DomainError(error.code, `${fileName}: ${error.message}`, { ...error.details, file: fileName });
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

/** Values per row the served output has, by the contract. */
function runtimeOutputWidth(contract: ModelContract, spec: PreprocessingSpec): number | null {
  if (contract.output.kind === 'value') return 1;
  if (contract.output.kind === 'probabilities') return contract.output.labels.length;
  return spec.target.task === 'multiclass' ? spec.target.labels.length : 1;
}
