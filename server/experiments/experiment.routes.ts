import type { FastifyInstance } from 'fastify';
import { viewerOf } from '../http/authenticate';
import { badInput } from '../platform/errors';
import { ProjectRole } from '../projects/collaborator.entity';
import type { Services } from '../services';

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
