import { Arg, Args, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, registerEnumType, Resolver, Root, Subscription } from 'type-graphql';
import { User } from '../auth/user.entity';
import { Experiment } from '../experiments/experiment.entity';
import { Model } from '../experiments/model.entity';
import type { Context } from '../graphql/context';
import { PageArgs, pageArgs, slicePage } from '../graphql/paging';
import { badInput, unauthenticated } from '../platform/errors';
import { ProjectRole } from '../projects/collaborator.entity';
import { DEPLOYMENT_STATUS, PROJECT_DEPLOYMENT_STATUS, type DeploymentStatus as Status, type ModelState } from '../serving/deployment-registry';
import { ApiKey } from './api-key.entity';
import { DeploymentEvent } from './deployment-event.entity';
import { CreateDeploymentInput } from './deployment.inputs';
import { DeploymentVersion } from './deployment-version.entity';
import { Deployment } from './deployment.entity';

/** The GraphQL enum of the registry's `ModelState` string union. */
const ModelLoadState = { loading: 'loading', ready: 'ready', failed: 'failed' } as const satisfies Record<ModelState, ModelState>;
registerEnumType(ModelLoadState, {
  name: 'ModelLoadState',
  description: 'Where loading a model stands on one server',
  valuesConfig: {
    loading: { description: 'Its files are being fetched and the model built' },
    ready: { description: 'Loaded and answering' },
    failed: { description: 'Loading failed; reason says why' },
  },
});

@ObjectType({ description: 'Where loading a model stands on this server' })
class ModelServingStatus {
  @Field(() => ID, { description: 'The model' }) modelId: string;
  @Field(() => String, { description: "The model's name" }) name: string;
  @Field(() => ModelLoadState, { description: 'Loading, ready or failed' }) state: ModelState;
  @Field(() => String, { nullable: true, description: 'Why it failed; null unless state is failed' }) reason?: string;
}

@ObjectType({ description: 'The two statuses of a deployment, as the server answering sees them' })
class DeploymentStatus {
  @Field(() => ID, { description: 'The deployment' }) deploymentId: string;
  @Field(() => Boolean, { description: 'Its models are built, loaded and available over the API' }) deployed: boolean;
  @Field(() => Boolean, { description: 'The prediction API answers (periodic probe and recent requests)' }) running: boolean;
  @Field(() => String, { nullable: true, description: 'Why it is not running; null while it runs' }) runningReason?: string;
  @Field(() => Int, { nullable: true, description: 'The version being served or loaded' }) version: number | null;
  @Field(() => ModelServingStatus, { nullable: true, description: 'The main model; null before the first version is loaded' }) main: ModelServingStatus | null;
  @Field(() => ModelServingStatus, { nullable: true, description: 'The challenger; null when the version has none' }) challenger: ModelServingStatus | null;
}

@ObjectType({ description: 'A new API key and its secret' })
class CreatedApiKey {
  @Field(() => String, { description: 'The key: shown this once, stored only as a hash' }) key: string;
  @Field(() => ApiKey, { description: 'The new key as listed by Deployment.apiKeys' }) apiKey: ApiKey;
}

@Resolver(() => Deployment)
export class DeploymentResolver {
  @Query(() => [Deployment], { description: 'The deployments of a project, by name' })
  async deployments(@Arg('projectId', () => ID, { description: 'The project' }) projectId: string, @Ctx() { services, viewer }: Context): Promise<Deployment[]> {
    await services.policy.requireProjectRole(viewer, projectId, ProjectRole.viewer);
    return services.deployments.list(projectId);
  }

  @Query(() => Deployment, { description: 'One deployment; NOT_FOUND when it does not exist or the viewer cannot see its project' })
  async deployment(@Arg('id', () => ID, { description: "The deployment's id" }) id: string, @Ctx() { services, viewer }: Context): Promise<Deployment> {
    return services.policy.inProject(viewer, 'Deployment', id, ProjectRole.viewer, (id) => services.deployments.get(id));
  }

  @FieldResolver(() => DeploymentStatus, { description: 'Whether it is deployed and running, as this server sees it' })
  status(@Root() deployment: Deployment, @Ctx() { services }: Context): Status {
    return services.registry.status(deployment.id);
  }

  @FieldResolver(() => Int, { nullable: true, description: 'The number of the version requests are served by; null only while the first one is created' })
  async currentVersion(@Root() deployment: Deployment, @Ctx() { services }: Context): Promise<number | null> {
    return (await services.deployments.currentVersion(deployment))?.number ?? null;
  }

  @FieldResolver(() => String, { description: 'The web form people can call the model from' })
  formUrl(@Root() deployment: Deployment, @Ctx() { services }: Context): string {
    return `${services.config.publicUrl}/d/${deployment.slug}`;
  }

  @FieldResolver(() => String, { description: 'Where to POST rows for predictions' })
  apiUrl(@Root() deployment: Deployment, @Ctx() { services }: Context): string {
    return `${services.config.publicUrl}/api/v1/deployments/${deployment.slug}/predict`;
  }

  @FieldResolver(() => String, { description: 'Its API documentation page' })
  docsUrl(@Root() deployment: Deployment, @Ctx() { services }: Context): string {
    return `${services.config.publicUrl}/d/${deployment.slug}/docs`;
  }

  @FieldResolver(() => Experiment, { description: 'The experiment whose models it serves' })
  experiment(@Root() deployment: Deployment, @Ctx() { services }: Context): Promise<Experiment> {
    return services.experiments.get(deployment.experimentId);
  }

  @FieldResolver(() => [DeploymentVersion], { description: 'Its versions, newest first, one page; versionCount is the total' })
  async versions(@Root() deployment: Deployment, @Args(() => PageArgs) paging: PageArgs, @Ctx() { services }: Context): Promise<DeploymentVersion[]> {
    return slicePage(await services.deployments.versions(deployment.id), pageArgs(paging));
  }

  @FieldResolver(() => Int, { description: 'How many versions it has' })
  versionCount(@Root() deployment: Deployment, @Ctx() { services }: Context): Promise<number> {
    return services.db.getRepository(DeploymentVersion).countBy({ deploymentId: deployment.id });
  }

  @FieldResolver(() => [DeploymentEvent], { description: 'Every switch and rollback, newest first, one page; eventCount is the total' })
  async events(@Root() deployment: Deployment, @Args(() => PageArgs) paging: PageArgs, @Ctx() { services }: Context): Promise<DeploymentEvent[]> {
    return slicePage(await services.deployments.events(deployment.id), pageArgs(paging));
  }

  @FieldResolver(() => Int, { description: 'How many switches and rollbacks it has had, its creation included' })
  eventCount(@Root() deployment: Deployment, @Ctx() { services }: Context): Promise<number> {
    return services.db.getRepository(DeploymentEvent).countBy({ deploymentId: deployment.id });
  }

  @FieldResolver(() => [ApiKey], { description: 'Its API keys, revoked ones included, newest first, one page (contributors only); apiKeyCount is the total' })
  async apiKeys(@Root() deployment: Deployment, @Args(() => PageArgs) paging: PageArgs, @Ctx() { services, viewer }: Context): Promise<ApiKey[]> {
    const range = pageArgs(paging);
    await services.policy.requireProjectRole(viewer, deployment.projectId, ProjectRole.contributor);
    return slicePage(await services.deployments.apiKeys(deployment.id), range);
  }

  @FieldResolver(() => Int, { description: 'How many API keys it has, revoked ones included (contributors only)' })
  async apiKeyCount(@Root() deployment: Deployment, @Ctx() { services, viewer }: Context): Promise<number> {
    await services.policy.requireProjectRole(viewer, deployment.projectId, ProjectRole.contributor);
    return services.db.getRepository(ApiKey).countBy({ deploymentId: deployment.id });
  }

  @Mutation(() => Deployment, { description: 'Creates version 1 with the given models and loads them' })
  async createDeployment(@Arg('input', () => CreateDeploymentInput, { description: 'Its name, models and access' }) input: CreateDeploymentInput, @Ctx() { services, viewer }: Context): Promise<Deployment> {
    const user = await services.policy.requireProjectRole(viewer, input.projectId, ProjectRole.contributor);
    return services.deployments.create(user, input);
  }

  @Mutation(() => DeploymentVersion, { description: 'Version n+1 with any models of any versions of the experiment; switched in without clients noticing' })
  async deployModelVersion(
    @Arg('deploymentId', () => ID, { description: 'The deployment' }) deploymentId: string,
    @Arg('mainModelId', () => ID, { description: 'A ready model of its experiment' }) mainModelId: string,
    @Arg('challengerModelId', () => ID, { nullable: true, description: 'Another ready model of its experiment; omitted: no challenger' }) challengerModelId: string | null,
    @Ctx() { services, viewer }: Context,
  ): Promise<DeploymentVersion> {
    await services.policy.inProject(viewer, 'Deployment', deploymentId, ProjectRole.contributor, (id) => services.deployments.get(id));
    return services.deployments.deployModelVersion(services.policy.requireUser(viewer), deploymentId, mainModelId, challengerModelId ?? null);
  }

  @Mutation(() => DeploymentVersion, { description: 'Makes an earlier version current again' })
  async rollbackDeployment(@Arg('deploymentVersionId', () => ID, { description: 'The version to serve again' }) deploymentVersionId: string, @Ctx() { services, viewer }: Context): Promise<DeploymentVersion> {
    await services.policy.inProject(viewer, 'Deployment version', deploymentVersionId, ProjectRole.contributor, async (id) => {
      const version = await services.deployments.version(id);
      return services.deployments.get(version.deploymentId);
    });
    return services.deployments.rollback(services.policy.requireUser(viewer), deploymentVersionId);
  }

  @Mutation(() => Boolean, { description: 'Unloads its models, revokes its keys and removes its monitoring data' })
  async deleteDeployment(@Arg('id', () => ID, { description: 'The deployment to delete' }) id: string, @Arg('confirm', () => String, { description: "The deployment's slug, typed again" }) confirm: string, @Ctx() { services, viewer }: Context): Promise<boolean> {
    await services.policy.inProject(viewer, 'Deployment', id, ProjectRole.contributor, (id) => services.deployments.get(id));
    await services.deployments.delete(id, confirm);
    return true;
  }

  @Mutation(() => CreatedApiKey, { description: "A key for the deployment's prediction API; the secret is returned once" })
  async createApiKey(@Arg('deploymentId', () => ID, { description: 'The deployment it opens' }) deploymentId: string, @Arg('name', () => String, { description: 'What it is for, e.g. the calling system' }) name: string, @Ctx() { services, viewer }: Context): Promise<CreatedApiKey> {
    await services.policy.inProject(viewer, 'Deployment', deploymentId, ProjectRole.contributor, (id) => services.deployments.get(id));
    return services.deployments.createApiKey(services.policy.requireUser(viewer), deploymentId, name);
  }

  @Mutation(() => ApiKey, { description: 'Takes effect on the next request, on every server' })
  async revokeApiKey(@Arg('id', () => ID, { description: 'The key to revoke' }) id: string, @Ctx() { services, viewer }: Context): Promise<ApiKey> {
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
    @Arg('projectId', () => ID, { nullable: true, description: 'Every deployment of this project' }) _projectId: string | null,
    @Arg('deploymentId', () => ID, { nullable: true, description: 'This deployment only; takes precedence over projectId' }) _deploymentId: string | null,
    @Root() event: { deploymentId: string },
    @Ctx() { services }: Context,
  ): Status {
    return services.registry.status(event.deploymentId);
  }
}

@Resolver(() => DeploymentVersion)
export class DeploymentVersionResolver {
  @FieldResolver(() => Model, { description: 'The model whose predictions are returned' })
  mainModel(@Root() version: DeploymentVersion, @Ctx() { services }: Context): Promise<Model> {
    return services.experiments.model(version.mainModelId);
  }

  @FieldResolver(() => Model, { nullable: true, description: 'The model compared with it; null: none' })
  challengerModel(@Root() version: DeploymentVersion, @Ctx() { services }: Context): Promise<Model | null> {
    return version.challengerModelId ? services.experiments.model(version.challengerModelId) : Promise.resolve(null);
  }

  @FieldResolver(() => Boolean, { description: 'Whether requests are served by this version now' })
  async current(@Root() version: DeploymentVersion, @Ctx() { services }: Context): Promise<boolean> {
    return (await services.deployments.get(version.deploymentId)).currentVersionId === version.id;
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who created it' })
  createdBy(@Root() version: DeploymentVersion, @Ctx() { services }: Context): Promise<User | null> {
    return version.createdBy ? services.db.getRepository(User).findOneBy({ id: version.createdBy }) : Promise.resolve(null);
  }
}
