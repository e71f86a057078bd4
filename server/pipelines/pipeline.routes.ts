import type { FastifyInstance } from 'fastify';
import { credentialsOf } from '../auth/request-viewer';
import { notFound } from '../platform/errors';
import { ProjectRole } from '../projects/collaborator.entity';
import type { Services } from '../services';
import type { RunFileKind } from './pipeline-run.entity';

const KINDS: RunFileKind[] = ['main', 'challenger', 'errors'];

/** What the pipeline routes use. */
export type PipelineRouteDeps = Pick<Services, 'pipelines' | 'policy' | 'requestViewer'>;

/** Result files of pipeline runs, streamed, for the viewers of the deployment's project. */
export function mountPipelineRoutes(app: FastifyInstance, services: PipelineRouteDeps): void {
  app.get<{ Params: { id: string; kind: string } }>('/api/v1/pipeline-runs/:id/files/:kind', async (request, reply) => {
    if (!KINDS.includes(request.params.kind as RunFileKind)) throw notFound('File kind', request.params.kind);
    const viewer = await services.requestViewer.signedIn(credentialsOf(request));
    const { run, pipeline } = await services.policy.inProject(viewer, 'Pipeline run', request.params.id, ProjectRole.viewer, async (id) => {
      const run = await services.pipelines.run(id);
      const pipeline = await services.pipelines.get(run.pipelineId);
      return { run, pipeline, projectId: pipeline.projectId };
    });
    const name = `${pipeline.name.replace(/[^A-Za-z0-9_-]+/g, '-')}-${run.id.slice(0, 8)}-${request.params.kind}.csv`;
    // With BERTH_S3_PRESIGNED_DOWNLOADS the client fetches the file from object storage itself.
    const url = await services.pipelines.fileUrl(run, request.params.kind as RunFileKind, name);
    if (url) return reply.redirect(url, 302);
    const { stream, size } = await services.pipelines.file(run, request.params.kind as RunFileKind);
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-length', size).header('content-disposition', `attachment; filename="${name}"`).send(stream);
  });
}
