import { Arg, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { User } from '../auth/user.entity';
import { Experiment } from '../experiments/experiment.entity';
import { Model } from '../experiments/model.entity';
import type { Context } from '../graphql/context';
import { badInput, unauthenticated } from '../platform/errors';
import { ProjectRole } from '../projects/collaborator.entity';
import { DEPLOYMENT_STATUS, PROJECT_DEPLOYMENT_STATUS, type DeploymentStatus as Status } from '../serving/deployment-registry';
import { ApiKey } from './api-key.entity';
import { DeploymentEvent } from './deployment-event.entity';
import { CreateDeploymentInput } from './deployment.inputs';
import { DeploymentVersion } from './deployment-version.entity';
import { Deployment } from './deployment.entity';

@ObjectType({ description: 'Where loading a model stands on this server' })
class ModelServingStatus {
  @Field(() => ID) modelId: string;
  @Field(() => String) name: string;
  @Field(() => String, { description: 'loading | ready | failed' }) state: string;
  @Field(() => String, { nullable: true, description: 'Why it failed' }) reason?: string;
}

@ObjectType({ description: 'The two statuses of a deployment, as the server answering sees them' })
class DeploymentStatus {
  @Field(() => ID) deploymentId: string;
  @Field(() => Boolean, { description: 'Its models are built, loaded and available over the API' }) deployed: boolean;
  @Field(() => Boolean, { description: 'The prediction API answers (periodic probe and recent requests)' }) running: boolean;
  @Field(() => String, { nullable: true }) runningReason?: string;
  @Field(() => Int, { nullable: true, description: 'The version being served or loaded' }) version: number | null;
  @Field(() => ModelServingStatus, { nullable: true }) main: ModelServingStatus | null;
  @Field(() => ModelServingStatus, { nullable: true }) challenger: ModelServingStatus | null;
}

@ObjectType()
class CreatedApiKey {
  @Field(() => String, { description: 'The key: shown this once, stored only as a hash' }) key: string;
  @Field(() => ApiKey) apiKey: ApiKey;
}

@Resolver(() => Deployment)
export class DeploymentResolver {
  @Query(() => [Deployment])
  async deployments(@Arg('projectId', () => ID) projectId: string, @Ctx() { services, viewer }: Context): Promise<Deployment[]> {
    await services.policy.requireProjectRole(viewer, projectId, ProjectRole.viewer);
    return services.deployments.list(projectId);
  }

  @Query(() => Deployment)
  async deployment(@Arg('id', () => ID) id: string, @Ctx() { services, viewer }: Context): Promise<Deployment> {
    return services.policy.inProject(viewer, 'Deployment', id, ProjectRole.viewer, (id) => services.deployments.get(id));
  }

  @FieldResolver(() => DeploymentStatus)
  status(@Root() deployment: Deployment, @Ctx() { services }: Context): Status {
    return services.registry.status(deployment.id);
  }

  @FieldResolver(() => Int, { nullable: true })
  async currentVersion(@Root() deployment: Deployment, @Ctx() { services }: Context): Promise<number | null> {
    return (await services.deployments.currentVersion(deployment))?.number ?? null;
  }

  @FieldResolver(() => String, { description: 'The web form people can call the model from' })
  formUrl(@Root() deployment: Deployment, @Ctx() { services }: Context): string {
    return `${services.config.publicUrl}/d/${deployment.slug}`;
  }

  @FieldResolver(() => String)
  apiUrl(@Root() deployment: Deployment, @Ctx() { services }: Context): string {
    return `${services.config.publicUrl}/api/v1/deployments/${deployment.slug}/predict`;
  }

  @FieldResolver(() => String)
  docsUrl(@Root() deployment: Deployment, @Ctx() { services }: Context): string {
    return `${services.config.publicUrl}/d/${deployment.slug}/docs`;
  }

  @FieldResolver(() => Experiment)
  experiment(@Root() deployment: Deployment, @Ctx() { services }: Context): Promise<Experiment> {
    return services.experiments.get(deployment.experimentId);
  }

  @FieldResolver(() => [DeploymentVersion], { description: 'Newest first' })
  versions(@Root() deployment: Deployment, @Ctx() { services }: Context): Promise<DeploymentVersion[]> {
    return services.deployments.versions(deployment.id);
  }

  @FieldResolver(() => [DeploymentEvent], { description: 'Every switch and rollback, newest first' })
  events(@Root() deployment: Deployment, @Ctx() { services }: Context): Promise<DeploymentEvent[]> {
    return services.deployments.events(deployment.id);
  }

  @FieldResolver(() => [ApiKey])
  async apiKeys(@Root() deployment: Deployment, @Ctx() { services, viewer }: Context): Promise<ApiKey[]> {
    await services.policy.requireProjectRole(viewer, deployment.projectId, ProjectRole.contributor);
    return services.deployments.apiKeys(deployment.id);
  }

  @Mutation(() => Deployment)
  async createDeployment(@Arg('input', () => CreateDeploymentInput) input: CreateDeploymentInput, @Ctx() { services, viewer }: Context): Promise<Deployment> {
    const user = await services.policy.requireProjectRole(viewer, input.projectId, ProjectRole.contributor);
    return services.deployments.create(user, input);
  }

  @Mutation(() => DeploymentVersion, { description: 'Version n+1 with any models of any versions of the experiment; switched in without clients noticing' })
  async deployModelVersion(
    @Arg('deploymentId', () => ID) deploymentId: string,
    @Arg('mainModelId', () => ID) mainModelId: string,
    @Arg('challengerModelId', () => ID, { nullable: true }) challengerModelId: string | null,
    @Ctx() { services, viewer }: Context,
  ): Promise<DeploymentVersion> {
    await services.policy.inProject(viewer, 'Deployment', deploymentId, ProjectRole.contributor, (id) => services.deployments.get(id));
    return services.deployments.deployModelVersion(services.policy.requireUser(viewer), deploymentId, mainModelId, challengerModelId ?? null);
  }

  @Mutation(() => DeploymentVersion, { description: 'Makes an earlier version current again' })
  async rollbackDeployment(@Arg('deploymentVersionId', () => ID) deploymentVersionId: string, @Ctx() { services, viewer }: Context): Promise<DeploymentVersion> {
    await services.policy.inProject(viewer, 'Deployment version', deploymentVersionId, ProjectRole.contributor, async (id) => {
      const version = await services.deployments.version(id);
      return services.deployments.get(version.deploymentId);
    });
    return services.deployments.rollback(services.policy.requireUser(viewer), deploymentVersionId);
  }

  @Mutation(() => Boolean, { description: 'Unloads its models, revokes its keys and removes its monitoring data' })
  async deleteDeployment(@Arg('id', () => ID) id: string, @Arg('confirm', () => String, { description: "The deployment's slug, typed again" }) confirm: string, @Ctx() { services, viewer }: Context): Promise<boolean> {
    await services.policy.inProject(viewer, 'Deployment', id, ProjectRole.contributor, (id) => services.deployments.get(id));
    await services.deployments.delete(id, confirm);
    return true;
  }

  @Mutation(() => CreatedApiKey)
  async createApiKey(@Arg('deploymentId', () => ID) deploymentId: string, @Arg('name', () => String) name: string, @Ctx() { services, viewer }: Context): Promise<CreatedApiKey> {
    await services.policy.inProject(viewer, 'Deployment', deploymentId, ProjectRole.contributor, (id) => services.deployments.get(id));
    return services.deployments.createApiKey(services.policy.requireUser(viewer), deploymentId, name);
  }

  @Mutation(() => ApiKey, { description: 'Takes effect on the next request, on every server' })
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() { services, viewer }: Context): Promise<ApiKey> {
    await services.policy.inProject(viewer, 'API key', id, ProjectRole.contributor, async (id) => services.deployments.get((await services.deployments.apiKey(id)).deploymentId));
    return services.deployments.revokeApiKey(id);
  }

  @Subscription(() => DeploymentStatus, {
    description: "Status changes of one deployment, or of every deployment of a project, on the server you are connected to",
    subscribe: async ({ args, context }) => {
      const { services, viewer } = context as Context;
      if (!viewer) throw unauthenticated();
      if (args.deploymentId) {
        await services.policy.inProject(viewer, 'Deployment', args.deploymentId as string, ProjectRole.viewer, (id) => services.deployments.get(id));
        return services.bus.subscribe(DEPLOYMENT_STATUS, args.deploymentId);
      }
      if (!args.projectId) throw badInput('deploymentStatusChanged', 'give deploymentId (one deployment) or projectId (every deployment of a project)');
      await services.policy.requireProjectRole(viewer, args.projectId as string, ProjectRole.viewer);
      return services.bus.subscribe(PROJECT_DEPLOYMENT_STATUS, args.projectId);
    },
  })
  deploymentStatusChanged(
    @Arg('projectId', () => ID, { nullable: true }) _projectId: string | null,
    @Arg('deploymentId', () => ID, { nullable: true }) _deploymentId: string | null,
    @Root() event: { deploymentId: string },
    @Ctx() { services }: Context,
  ): Status {
    return services.registry.status(event.deploymentId);
  }
}

@Resolver(() => DeploymentVersion)
export class DeploymentVersionResolver {
  @FieldResolver(() => Model)
  mainModel(@Root() version: DeploymentVersion, @Ctx() { services }: Context): Promise<Model> {
    return services.experiments.model(version.mainModelId);
  }

  @FieldResolver(() => Model, { nullable: true })
  challengerModel(@Root() version: DeploymentVersion, @Ctx() { services }: Context): Promise<Model | null> {
    return version.challengerModelId ? services.experiments.model(version.challengerModelId) : Promise.resolve(null);
  }

  @FieldResolver(() => Boolean)
  async current(@Root() version: DeploymentVersion, @Ctx() { services }: Context): Promise<boolean> {
    return (await services.deployments.get(version.deploymentId)).currentVersionId === version.id;
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who created it' })
  createdBy(@Root() version: DeploymentVersion, @Ctx() { services }: Context): Promise<User | null> {
    return version.createdBy ? services.db.getRepository(User).findOneBy({ id: version.createdBy }) : Promise.resolve(null);
  }
}
