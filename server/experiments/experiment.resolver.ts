import { Arg, Args, Ctx, Field, FieldResolver, Float, ID, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import type { Context } from '../graphql/context';
import { PageArgs, pageArgs, slicePage } from '../graphql/paging';
import { ProjectRole } from '../projects/collaborator.entity';
import { Dataset } from './dataset.entity';
import { Experiment } from './experiment.entity';
import { CreateExperimentInput, ImportVersionInput, TrainVersionInput } from './experiment.inputs';
import { ExperimentVersion, VersionStatus } from './experiment-version.entity';
import { TRAINING_PROGRESS, type TrainingProgress as Progress } from './experiment.service';
import { Model } from './model.entity';

@ObjectType({ description: 'Progress of a training version: per candidate and epoch, then the final status' })
class TrainingProgress {
  @Field(() => ID, { description: 'The version training' }) versionId: string;
  @Field(() => VersionStatus, { description: "The version's status" }) status: VersionStatus;
  @Field(() => String, { nullable: true, description: 'The candidate model this is about; null for the final status' }) candidate?: string;
  @Field(() => Int, { nullable: true, description: 'The epoch just finished, from 1' }) epoch?: number;
  @Field(() => Float, { nullable: true, description: 'Training loss after the epoch' }) loss?: number;
  @Field(() => Float, { nullable: true, description: 'Validation loss after the epoch' }) valLoss?: number;
  @Field(() => String, { nullable: true, description: 'A human-readable note, e.g. why a candidate failed' }) message?: string;
}

@ObjectType({ description: 'An uploaded model\'s signature and the contract Berth proposes for it' })
class ModelContractProposal {
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'ONNX: {inputs, outputs: [{name, type, shape}]} as the file declares them; null for TF.js' })
  signature: Record<string, unknown> | null;
  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The proposed contract, to confirm or edit and pass to importExperimentVersion; null when none could be proposed' })
  contract: Record<string, unknown> | null;
  @Field(() => [String], { description: 'What to check or declare (e.g. a matrix whose width does not match the features)' })
  problems: string[];
}

@Resolver(() => Experiment)
export class ExperimentResolver {
  @Query(() => [Experiment], { description: 'The experiments of a project, by name' })
  async experiments(@Arg('projectId', () => ID, { description: 'The project' }) projectId: string, @Ctx() { services, viewer }: Context): Promise<Experiment[]> {
    await services.policy.requireProjectRole(viewer, projectId, ProjectRole.viewer);
    return services.experiments.list(projectId);
  }

  @Query(() => Experiment, { description: 'One experiment; NOT_FOUND when it does not exist or the viewer cannot see its project' })
  async experiment(@Arg('id', () => ID, { description: "The experiment's id" }) id: string, @Ctx() { services, viewer }: Context): Promise<Experiment> {
    return services.policy.inProject(viewer, 'Experiment', id, ProjectRole.viewer, (id) => services.experiments.get(id));
  }

  @FieldResolver(() => [ExperimentVersion], { description: 'Its versions by number, version 1 first, one page; versionCount is the total' })
  async versions(@Root() experiment: Experiment, @Args(() => PageArgs) paging: PageArgs, @Ctx() { services }: Context): Promise<ExperimentVersion[]> {
    return slicePage(await services.experiments.versions(experiment.id), pageArgs(paging));
  }

  @FieldResolver(() => Int, { description: 'How many versions it has' })
  versionCount(@Root() experiment: Experiment, @Ctx() { services }: Context): Promise<number> {
    return services.db.getRepository(ExperimentVersion).countBy({ experimentId: experiment.id });
  }

  @Query(() => [Dataset], { description: 'Uploaded CSV files of a project, newest first, one page; datasetCount is the total' })
  async datasets(@Arg('projectId', () => ID, { description: 'The project' }) projectId: string, @Args(() => PageArgs) paging: PageArgs, @Ctx() { services, viewer }: Context): Promise<Dataset[]> {
    const range = pageArgs(paging);
    await services.policy.requireProjectRole(viewer, projectId, ProjectRole.viewer);
    return slicePage(await services.datasets.list(projectId), range);
  }

  @Query(() => Int, { description: 'How many CSV files a project has' })
  async datasetCount(@Arg('projectId', () => ID, { description: 'The project' }) projectId: string, @Ctx() { services, viewer }: Context): Promise<number> {
    await services.policy.requireProjectRole(viewer, projectId, ProjectRole.viewer);
    return services.db.getRepository(Dataset).countBy({ projectId });
  }

  @Mutation(() => Experiment, { description: 'An experiment without versions; train or import one next' })
  async createExperiment(@Arg('input', () => CreateExperimentInput, { description: 'Its name, task and target column' }) input: CreateExperimentInput, @Ctx() { services, viewer }: Context): Promise<Experiment> {
    await services.policy.requireProjectRole(viewer, input.projectId, ProjectRole.contributor);
    return services.experiments.create(input.projectId, input);
  }

  @Mutation(() => ExperimentVersion, { description: 'Creates version n+1 and trains candidate models in the background; follow trainingProgress' })
  async trainExperimentVersion(@Arg('input', () => TrainVersionInput, { description: 'The experiment, the training data and optionally the features' }) input: TrainVersionInput, @Ctx() { services, viewer }: Context): Promise<ExperimentVersion> {
    const experiment = await services.policy.inProject(viewer, 'Experiment', input.experimentId, ProjectRole.contributor, (id) => services.experiments.get(id));
    return services.experiments.createTrainingVersion(experiment, services.policy.requireUser(viewer).id, input);
  }

  @Mutation(() => ExperimentVersion, { description: 'Creates version n+1 from an uploaded TF.js model and its reference data' })
  async importExperimentVersion(@Arg('input', () => ImportVersionInput, { description: 'The uploaded model, its reference data and its contract' }) input: ImportVersionInput, @Ctx() { services, viewer }: Context): Promise<ExperimentVersion> {
    const experiment = await services.policy.inProject(viewer, 'Experiment', input.experimentId, ProjectRole.contributor, (id) => services.experiments.get(id));
    return services.experiments.importVersion(experiment, services.policy.requireUser(viewer).id, input);
  }

  @Query(() => ModelContractProposal, { description: 'What an uploaded model declares and the input/output contract Berth proposes for it, for confirmation before importExperimentVersion' })
  async modelContractProposal(
    @Arg('experimentId', () => ID, { description: 'The experiment the model is for' }) experimentId: string,
    @Arg('datasetId', () => ID, { description: 'The reference data' }) datasetId: string,
    @Arg('modelUploadId', () => ID, { description: 'The uploaded model' }) modelUploadId: string,
    @Ctx() { services, viewer }: Context,
  ): Promise<ModelContractProposal> {
    const experiment = await services.policy.inProject(viewer, 'Experiment', experimentId, ProjectRole.contributor, (id) => services.experiments.get(id));
    return services.experiments.proposeContract(experiment, { datasetId, modelUploadId }) as Promise<ModelContractProposal>;
  }

  @Mutation(() => Boolean, { description: 'Refused while a deployment uses one of its models' })
  async deleteExperiment(@Arg('id', () => ID, { description: 'The experiment to delete, with its versions and models' }) id: string, @Ctx() { services, viewer }: Context): Promise<boolean> {
    await services.policy.inProject(viewer, 'Experiment', id, ProjectRole.contributor, (id) => services.experiments.get(id));
    await services.experiments.delete(id);
    return true;
  }

  @Mutation(() => Boolean, { description: 'Refused while a deployment uses one of its models' })
  async deleteExperimentVersion(@Arg('id', () => ID, { description: 'The version to delete, with its models' }) id: string, @Ctx() { services, viewer }: Context): Promise<boolean> {
    await services.policy.inProject(viewer, 'Experiment version', id, ProjectRole.contributor, async (id) => services.experiments.get((await services.experiments.version(id)).experimentId));
    await services.experiments.deleteVersion(id);
    return true;
  }

  @Subscription(() => TrainingProgress, {
    description: 'Epochs of each candidate while a version trains, then its final status',
    subscribe: async ({ args, context }) => {
      const { services, viewer } = context as Context;
      await services.policy.inProject(viewer, 'Experiment version', args.versionId as string, ProjectRole.viewer, async (id) => services.experiments.get((await services.experiments.version(id)).experimentId));
      return services.bus.subscribe(TRAINING_PROGRESS, args.versionId);
    },
  })
  trainingProgress(@Arg('versionId', () => ID, { description: 'A version being trained' }) _versionId: string, @Root() progress: Progress): TrainingProgress {
    return progress;
  }
}

@Resolver(() => ExperimentVersion)
export class ExperimentVersionResolver {
  @FieldResolver(() => [Model], { description: 'Its candidate models (an imported version has one), by name' })
  models(@Root() version: ExperimentVersion, @Ctx() { services }: Context): Promise<Model[]> {
    return services.experiments.models(version.id);
  }
}

@Resolver(() => Model)
export class ModelResolver {
  @FieldResolver(() => [String], { description: 'Download each at /api/v1/models/{id}/files/{name}; load with tf.loadLayersModel on model.json' })
  files(@Root() model: Model): string[] {
    return model.files.map((file) => file.name);
  }
}
