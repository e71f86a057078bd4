import { Arg, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../graphql/context';
import { Collaborator, ProjectRole } from './collaborator.entity';
import { CreateProjectInput } from './project.inputs';
import { Project } from './project.entity';
import { PROJECT_UPDATED, type ProjectUpdate } from './project.service';

@ObjectType({ description: 'Something about a project changed' })
class ProjectUpdated {
  @Field(() => ID)
  projectId: string;

  @Field(() => String, { description: 'renamed | collaborators | deleted' })
  change: string;
}

@Resolver(() => Project)
export class ProjectResolver {
  @Query(() => [Project], { description: 'The projects the viewer collaborates on (instance admins: all)' })
  projects(@Ctx() { services, viewer }: Context): Promise<Project[]> {
    return services.projects.listVisibleTo(services.policy.requireUser(viewer));
  }

  @Query(() => Project)
  async project(@Arg('id', () => ID) id: string, @Ctx() { services, viewer }: Context): Promise<Project> {
    await services.policy.requireProjectRole(viewer, id, ProjectRole.viewer);
    return services.projects.get(id);
  }

  @FieldResolver(() => [Collaborator])
  collaborators(@Root() project: Project, @Ctx() { services }: Context): Promise<Collaborator[]> {
    return services.projects.listCollaborators(project.id);
  }

  @FieldResolver(() => ProjectRole, { nullable: true, description: "The viewer's effective role here" })
  async myRole(@Root() project: Project, @Ctx() { services, viewer }: Context): Promise<ProjectRole | null> {
    return viewer ? services.policy.projectRole(viewer.user, project.id) : null;
  }

  @Mutation(() => Project, { description: 'The creator becomes its admin' })
  createProject(@Arg('input', () => CreateProjectInput) input: CreateProjectInput, @Ctx() { services, viewer }: Context): Promise<Project> {
    return services.projects.create(services.policy.requireUser(viewer), input.name, input.description ?? '');
  }

  @Mutation(() => Project)
  async renameProject(@Arg('id', () => ID) id: string, @Arg('name', () => String) name: string, @Ctx() { services, viewer }: Context): Promise<Project> {
    await services.policy.requireProjectRole(viewer, id, ProjectRole.admin);
    return services.projects.rename(id, name);
  }

  @Mutation(() => Boolean, { description: 'Refused while the project still has deployments' })
  async deleteProject(@Arg('id', () => ID) id: string, @Ctx() { services, viewer }: Context): Promise<boolean> {
    await services.policy.requireProjectRole(viewer, id, ProjectRole.admin);
    await services.projects.delete(id);
    return true;
  }

  @Mutation(() => Collaborator)
  async addCollaborator(
    @Arg('projectId', () => ID) projectId: string,
    @Arg('email', () => String) email: string,
    @Arg('role', () => ProjectRole) role: ProjectRole,
    @Ctx() { services, viewer }: Context,
  ): Promise<Collaborator> {
    await services.policy.requireProjectRole(viewer, projectId, ProjectRole.admin);
    return services.projects.addCollaborator(projectId, email, role);
  }

  @Mutation(() => Collaborator)
  async changeCollaboratorRole(
    @Arg('projectId', () => ID) projectId: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('role', () => ProjectRole) role: ProjectRole,
    @Ctx() { services, viewer }: Context,
  ): Promise<Collaborator> {
    await services.policy.requireProjectRole(viewer, projectId, ProjectRole.admin);
    return services.projects.changeCollaboratorRole(projectId, userId, role);
  }

  @Mutation(() => Boolean)
  async removeCollaborator(@Arg('projectId', () => ID) projectId: string, @Arg('userId', () => ID) userId: string, @Ctx() { services, viewer }: Context): Promise<boolean> {
    await services.policy.requireProjectRole(viewer, projectId, ProjectRole.admin);
    await services.projects.removeCollaborator(projectId, userId);
    return true;
  }

  @Subscription(() => ProjectUpdated, {
    description: 'Renames, collaborator changes and deletion of a project, from any server of the instance',
    subscribe: async ({ args, context }) => {
      const { services, viewer } = context as Context;
      await services.policy.requireProjectRole(viewer, args.projectId as string, ProjectRole.viewer);
      return services.bus.subscribe(PROJECT_UPDATED, args.projectId);
    },
  })
  projectUpdated(@Arg('projectId', () => ID) _projectId: string, @Root() update: ProjectUpdate): ProjectUpdated {
    return update;
  }
}
