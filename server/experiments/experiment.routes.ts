import type { FastifyInstance } from 'fastify';
import { viewerOf } from '../http/authenticate';
import { badInput } from '../platform/errors';
import { ProjectRole } from '../projects/collaborator.entity';
import type { Services } from '../services';

/** model.json and its weight shards: converters shard at 4 MB, so this allows models of ~250 MB. */
const MAX_MODEL_FILES = 64;

/** REST routes of the model registry: what GraphQL cannot carry well (file uploads and downloads). */
export function mountExperimentRoutes(app: FastifyInstance, services: Services): void {
  app.post<{ Params: { projectId: string } }>('/api/v1/projects/:projectId/datasets', async (request, reply) => {
    const user = await services.policy.requireProjectRole(await viewerOf(request, services), request.params.projectId, ProjectRole.contributor);
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

  /** TF.js files for an import: model.json and its weight shards, each a multipart file field. */
  app.post<{ Params: { projectId: string } }>('/api/v1/projects/:projectId/model-uploads', async (request, reply) => {
    const user = await services.policy.requireProjectRole(await viewerOf(request, services), request.params.projectId, ProjectRole.contributor);
    if (!request.isMultipart()) throw badInput('files', 'send model.json and its weight files as multipart/form-data');
    const files: Array<{ name: string; bytes: Uint8Array }> = [];
    for await (const part of request.files({ limits: { files: MAX_MODEL_FILES } })) {
      files.push({ name: part.filename, bytes: await part.toBuffer() });
    }
    const upload = await services.experiments.uploadModelFiles(request.params.projectId, user.id, files);
    return reply.status(201).send({
      id: upload.id,
      format: upload.format,
      inputWidth: upload.inputWidth,
      outputWidth: upload.outputWidth,
      files: upload.files.map((f) => ({ name: f.name, size: f.size })),
    });
  });

  // model.json names its weight files relative to itself, so tf.loadLayersModel(`…/files/model.json`) works as is.
  app.get<{ Params: { modelId: string; name: string } }>('/api/v1/models/:modelId/files/:name', async (request, reply) => {
    const projectId = await services.experiments.projectOfModel(request.params.modelId);
    await services.policy.requireProjectRole(await viewerOf(request, services), projectId, ProjectRole.viewer);
    const model = await services.experiments.model(request.params.modelId);
    const content = await services.experiments.modelFile(model, request.params.name);
    return reply
      .header('content-type', request.params.name.endsWith('.json') ? 'application/json' : 'application/octet-stream')
      .header('content-disposition', `attachment; filename="${request.params.name.replace(/"/g, '')}"`)
      .send(content);
  });
}
