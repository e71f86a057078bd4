import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { credentialsOf } from '../auth/request-viewer';
import { badInput, tooLarge } from '../platform/errors';
import { baseName, checkModelUpload } from './model-upload-check';
import { exportModel } from './model-export';
import { ProjectRole } from '../projects/collaborator.entity';
import type { Services } from '../services';

/** model.json and its weight shards: converters shard at 4 MB, so this allows models of ~250 MB. */
const MAX_MODEL_FILES = 64;
/** A model.json is topology and a weights manifest: large graph models have a few MB of it. */
const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;

/** The parsed JSON, or undefined when it is not JSON (the model loader then says what is wrong). */
function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** What the model registry's routes use. */
export type ExperimentRouteDeps = Pick<Services, 'config' | 'datasets' | 'experiments' | 'policy' | 'requestViewer'>;

/** REST routes of the model registry: what GraphQL cannot carry well (file uploads and downloads). */
export function mountExperimentRoutes(app: FastifyInstance, services: ExperimentRouteDeps): void {
  app.post<{ Params: { projectId: string } }>('/api/v1/projects/:projectId/datasets', async (request, reply) => {
    const user = await services.policy.requireProjectRole(await services.requestViewer.signedIn(credentialsOf(request)), request.params.projectId, ProjectRole.contributor);
    if (!request.isMultipart()) throw badInput('file', 'send the CSV as multipart/form-data in a field named "file"');
    const file = await request.file();
    if (!file || file.fieldname !== 'file') throw badInput('file', 'send the CSV in a multipart field named "file"');
    const dataset = await services.datasets.upload(request.params.projectId, user.id, file.filename, file.file);
    return reply.status(201).send({
      id: dataset.id,
      fileName: dataset.fileName,
      sizeBytes: dataset.sizeBytes,
      rows: dataset.rows,
      columns: dataset.columns,
      inferredSchema: dataset.inferredSchema,
    });
  });

  /** Model files for an import: model.json and its weight shards, or one .onnx file; each a multipart file field. */
  app.post<{ Params: { projectId: string } }>('/api/v1/projects/:projectId/model-uploads', async (request, reply) => {
    const user = await services.policy.requireProjectRole(await services.requestViewer.signedIn(credentialsOf(request)), request.params.projectId, ProjectRole.contributor);
    if (!request.isMultipart()) throw badInput('files', 'send model.json and its weight files, or one .onnx file, as multipart/form-data');
    // Each part goes to a file as it arrives, not to memory: 64 parts of up to the upload limit
    // each would otherwise sit in memory before anything is checked.
    // In the data folder, not /tmp: it has room for the files (often a small tmpfs in containers).
    const uploads = path.join(services.config.dataDir, 'uploads');
    await mkdir(uploads, { recursive: true });
    const folder = await mkdtemp(path.join(uploads, 'model-'));
    let upload;
    try {
      const parts: Array<{ name: string; file: string; size: number }> = [];
      for await (const part of request.files({ limits: { files: MAX_MODEL_FILES } })) {
        const file = path.join(folder, String(parts.length));
        await pipeline(part.file, createWriteStream(file));
        if (part.file.truncated) throw tooLarge('files', `${part.filename} is larger than the upload limit of ${services.config.limits.uploadBytes} bytes (BERTH_MAX_UPLOAD_BYTES)`);
        parts.push({ name: part.filename, file, size: (await stat(file)).size });
      }
      // The topology and its weights manifest are checked against the files' sizes before any
      // weight is read or allocated.
      const modelJson = parts.find((p) => baseName(p.name) === 'model.json');
      if (modelJson) {
        if (modelJson.size > MAX_MODEL_JSON_BYTES) throw tooLarge('model.json', `is ${modelJson.size} bytes; a model.json over ${MAX_MODEL_JSON_BYTES} bytes is not supported`);
        checkModelUpload(parseJson(await readFile(modelJson.file)), new Map(parts.map((p) => [baseName(p.name), p.size])));
      }
      const files: Array<{ name: string; bytes: Uint8Array }> = [];
      for (const part of parts) files.push({ name: part.name, bytes: await readFile(part.file) });
      upload = await services.experiments.uploadModelFiles(request.params.projectId, user.id, files);
    } finally {
      // Removed before answering, whatever happened: a client that saw the answer finds no file left.
      await rm(folder, { recursive: true, force: true });
    }
    return reply.status(201).send({
      id: upload.id,
      format: upload.format,
      inputWidth: upload.inputWidth,
      outputWidth: upload.outputWidth,
      signature: upload.signature,
      files: upload.files.map((f) => ({ name: f.name, size: f.size })),
    });
  });

  // model.json names its weight files relative to itself, so tf.loadLayersModel(`…/files/model.json`) works as is.
  app.get<{ Params: { modelId: string; name: string } }>('/api/v1/models/:modelId/files/:name', async (request, reply) => {
    const viewer = await services.requestViewer.signedIn(credentialsOf(request));
    const { model } = await services.policy.inProject(viewer, 'Model', request.params.modelId, ProjectRole.viewer, async (id) => ({
      model: await services.experiments.model(id),
      projectId: await services.experiments.projectOfModel(id),
    }));
    const content = await services.experiments.modelFile(model, request.params.name);
    return reply
      .header('content-type', request.params.name.endsWith('.json') ? 'application/json' : 'application/octet-stream')
      .header('content-disposition', `attachment; filename="${request.params.name.replace(/"/g, '')}"`)
      .send(content);
  });

  /**
   * A Berth-trained model as one .onnx file taking raw features (its preprocessing compiled in),
   * and the preprocessing spec beside it as JSON; same access as the model's own files.
   */
  const exportOf = async (request: FastifyRequest<{ Params: { modelId: string } }>) => {
    const viewer = await services.requestViewer.signedIn(credentialsOf(request));
    const { model } = await services.policy.inProject(viewer, 'Model', request.params.modelId, ProjectRole.viewer, async (id) => ({
      model: await services.experiments.model(id),
      projectId: await services.experiments.projectOfModel(id),
    }));
    return exportModel(services.experiments, model);
  };
  app.get<{ Params: { modelId: string } }>('/api/v1/models/:modelId/export.onnx', async (request, reply) => {
    const exported = await exportOf(request);
    return reply.header('content-type', 'application/octet-stream').header('content-disposition', `attachment; filename="${exported.fileName}"`).send(Buffer.from(exported.bytes));
  });
  app.get<{ Params: { modelId: string } }>('/api/v1/models/:modelId/export.json', async (request, reply) => {
    const exported = await exportOf(request);
    return reply.header('content-disposition', `attachment; filename="${exported.fileName.replace(/\.onnx$/, '.preprocessing.json')}"`).send(exported.preprocessing);
  });
}
