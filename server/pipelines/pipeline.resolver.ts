import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../graphql/context';
import { PageArgs, pageArgs } from '../graphql/paging';
import { badInput } from '../platform/errors';
import { ProjectRole } from '../projects/collaborator.entity';
import { CreatePipelineInput } from './pipeline.inputs';
import { PipelineRun, RunFileKindEnum, type RunFileKind } from './pipeline-run.entity';
import { PIPELINE_RUN_UPDATED } from './pipeline-runner';
import { Pipeline } from './pipeline.entity';

@Resolver(() => Pipeline)
export class PipelineResolver {
  @Query(() => [Pipeline], { description: 'The pipelines of a deployment, by name' })
  async pipelines(@Arg('deploymentId', () => ID, { description: 'The deployment' }) deploymentId: string, @Ctx() { services, viewer }: Context): Promise<Pipeline[]> {
    await services.policy.inProject(viewer, 'Deployment', deploymentId, ProjectRole.viewer, (id) => services.deployments.get(id));
    return services.pipelines.list(deploymentId);
  }

  @Query(() => [PipelineRun], { description: 'The runs of a pipeline, newest first, one page; pipelineRunCount is the total' })
  async pipelineRuns(
    @Arg('pipelineId', () => ID, { description: 'The pipeline' }) pipelineId: string,
    @Args(() => PageArgs) paging: PageArgs,
    @Ctx() { services, viewer }: Context,
  ): Promise<PipelineRun[]> {
    const runs = pageArgs(paging);
    await services.policy.inProject(viewer, 'Pipeline', pipelineId, ProjectRole.viewer, (id) => services.pipelines.get(id));
    return services.pipelines.runs(pipelineId, runs.limit, runs.offset);
  }

  @Query(() => Int, { description: 'How many runs a pipeline has had' })
  async pipelineRunCount(@Arg('pipelineId', () => ID, { description: 'The pipeline' }) pipelineId: string, @Ctx() { services, viewer }: Context): Promise<number> {
    await services.policy.inProject(viewer, 'Pipeline', pipelineId, ProjectRole.viewer, (id) => services.pipelines.get(id));
    return services.db.getRepository(PipelineRun).countBy({ pipelineId });
  }

  @FieldResolver(() => String, { nullable: true, description: 'The schedule in words' })
  scheduleDescription(@Root() pipeline: Pipeline, @Ctx() { services }: Context): string | null {
    return services.pipelines.describeSchedule(pipeline);
  }

  @FieldResolver(() => [Date], { description: 'The next run times (none when paused or manual)' })
  nextRunTimes(@Root() pipeline: Pipeline, @Arg('count', () => Int, { defaultValue: 5, description: 'How many, 0 to 50' }) count: number, @Ctx() { services }: Context): Date[] {
    if (count < 0) throw badInput('count', `must be 0 or more, got ${count}`);
    return services.pipelines.nextRuns(pipeline, Math.min(count, 50));
  }

  @Mutation(() => Pipeline, { description: 'Creates a pipeline; it runs on its schedule, or with runPipelineNow' })
  async createPipeline(@Arg('input', () => CreatePipelineInput, { description: 'Its deployment, source, destination and schedule' }) input: CreatePipelineInput, @Ctx() { services, viewer }: Context): Promise<Pipeline> {
    await services.policy.inProject(viewer, 'Deployment', input.deploymentId, ProjectRole.contributor, (id) => services.deployments.get(id));
    return services.pipelines.create(services.policy.requireUser(viewer).id, input);
  }

  @Mutation(() => Pipeline, { description: 'A null cron makes the pipeline manual-only' })
  async updatePipelineSchedule(
    @Arg('id', () => ID, { description: 'The pipeline' }) id: string,
    @Arg('cron', () => String, { nullable: true, description: 'Cron expression (5 fields); null: manual runs only' }) cron: string | null,
    @Arg('timezone', () => String, { nullable: true, description: 'IANA time zone; UTC when omitted' }) timezone: string | null,
    @Ctx() { services, viewer }: Context,
  ): Promise<Pipeline> {
    await this.requireWrite(id, { services, viewer });
    return services.pipelines.updateSchedule(id, cron, timezone);
  }

  @Mutation(() => Pipeline, { description: 'Pauses or resumes the schedule' })
  async setPipelineEnabled(@Arg('id', () => ID, { description: 'The pipeline' }) id: string, @Arg('enabled', () => Boolean, { description: 'False pauses the schedule, true resumes it' }) enabled: boolean, @Ctx() { services, viewer }: Context): Promise<Pipeline> {
    await this.requireWrite(id, { services, viewer });
    return services.pipelines.setEnabled(id, enabled);
  }

  @Mutation(() => Boolean, { description: 'Deletes the pipeline with its runs and their files' })
  async deletePipeline(@Arg('id', () => ID, { description: 'The pipeline to delete' }) id: string, @Ctx() { services, viewer }: Context): Promise<boolean> {
    await this.requireWrite(id, { services, viewer });
    await services.pipelines.delete(id);
    return true;
  }

  @Mutation(() => PipelineRun, { description: 'Queues a manual run; follow it with pipelineRunUpdated' })
  async runPipelineNow(@Arg('id', () => ID, { description: 'The pipeline to run' }) id: string, @Ctx() { services, viewer }: Context): Promise<PipelineRun> {
    const user = await this.requireWrite(id, { services, viewer });
    return services.pipelines.runNow(id, user.id);
  }

  @Mutation(() => PipelineRun, { description: 'A queued run is cancelled at once, a running one at its next chunk' })
  async cancelPipelineRun(@Arg('runId', () => ID, { description: 'The run to cancel' }) runId: string, @Ctx() { services, viewer }: Context): Promise<PipelineRun> {
    await services.policy.inProject(viewer, 'Pipeline run', runId, ProjectRole.contributor, async (id) => services.pipelines.get((await services.pipelines.run(id)).pipelineId));
    return services.pipelines.cancel(runId);
  }

  @Subscription(() => PipelineRun, {
    description: 'Progress and status of the runs of a pipeline, from whichever worker runs them',
    subscribe: async ({ args, context }) => {
      const { services, viewer } = context as Context;
      await services.policy.inProject(viewer, 'Pipeline', args.pipelineId as string, ProjectRole.viewer, (id) => services.pipelines.get(id));
      return services.bus.subscribe(PIPELINE_RUN_UPDATED, args.pipelineId);
    },
  })
  pipelineRunUpdated(@Arg('pipelineId', () => ID, { description: 'The pipeline' }) _pipelineId: string, @Root() update: { runId: string }, @Ctx() { services }: Context): Promise<PipelineRun> {
    return services.pipelines.run(update.runId);
  }

  private async requireWrite(pipelineId: string, { services, viewer }: Pick<Context, 'services' | 'viewer'>) {
    await services.policy.inProject(viewer, 'Pipeline', pipelineId, ProjectRole.contributor, (id) => services.pipelines.get(id));
    return services.policy.requireUser(viewer);
  }
}

@Resolver(() => PipelineRun)
export class PipelineRunResolver {
  @FieldResolver(() => [RunFileKindEnum], { description: 'The result files written so far, to download at /api/v1/pipeline-runs/{id}/files/{kind}' })
  files(@Root() run: PipelineRun): RunFileKind[] {
    return Object.keys(run.files) as RunFileKind[];
  }
}
