import { Arg, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Query, registerEnumType, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../graphql/context';
import { Collaborator, ProjectRole } from './collaborator.entity';
import { CreateProjectInput } from './project.inputs';
import { Project } from './project.entity';
import { PROJECT_UPDATED, type ProjectChange, type ProjectUpdate } from './project.service';

/** The GraphQL enum of the service's `ProjectChange` string union. */
const ProjectChangeEnum = { renamed: 'renamed', collaborators: 'collaborators', deleted: 'deleted' } as const satisfies Record<ProjectChange, ProjectChange>;
registerEnumType(ProjectChangeEnum, {
  name: 'ProjectChange',
  description: 'What changed about a project',
  valuesConfig: {
    renamed: { description: 'Its name changed' },
    collaborators: { description: 'A collaborator was added or removed, or their role changed' },
    deleted: { description: 'It was deleted; no further events follow' },
  },
});

@ObjectType({ description: 'Something about a project changed' })
class ProjectUpdated {
  @Field(() => ID, { description: 'The project that changed' })
  projectId: string;

  @Field(() => ProjectChangeEnum, { description: 'What changed' })
  change: ProjectChange;
}

@Resolver(() => Project)
export class ProjectResolver {
  @Query(() => [Project], { description: 'The projects the viewer collaborates on (instance admins: all)' })
  projects(@Ctx() { services, viewer }: Context): Promise<Project[]> {
    return services.projects.listVisibleTo(services.policy.requireUser(viewer));
  }

  @Query(() => Project, { description: 'One project; NOT_FOUND when it does not exist or the viewer cannot see it' })
  async project(@Arg('id', () => ID, { description: "The project's id" }) id: string, @Ctx() { services, viewer }: Context): Promise<Project> {
    await services.policy.requireProjectRole(viewer, id, ProjectRole.viewer);
    return services.projects.get(id);
  }

  @FieldResolver(() => [Collaborator], { description: 'Its members and their roles, oldest first' })
  collaborators(@Root() project: Project, @Ctx() { services }: Context): Promise<Collaborator[]> {
    return services.projects.listCollaborators(project.id);
  }

  @FieldResolver(() => ProjectRole, { nullable: true, description: "The viewer's effective role here" })
  async myRole(@Root() project: Project, @Ctx() { services, viewer }: Context): Promise<ProjectRole | null> {
    return viewer ? services.policy.projectRole(viewer.user, project.id) : null;
  }

  @Mutation(() => Project, { description: 'The creator becomes its admin' })
  createProject(@Arg('input', () => CreateProjectInput, { description: 'Its name and description' }) input: CreateProjectInput, @Ctx() { services, viewer }: Context): Promise<Project> {
    return services.projects.create(services.policy.requireUser(viewer), input.name, input.description ?? '');
  }

  @Mutation(() => Project, { description: 'Project admins only' })
  async renameProject(@Arg('id', () => ID, { description: 'The project to rename' }) id: string, @Arg('name', () => String, { description: 'The new name, 1 to 100 characters' }) name: string, @Ctx() { services, viewer }: Context): Promise<Project> {
    await services.policy.requireProjectRole(viewer, id, ProjectRole.admin);
    return services.projects.rename(id, name);
  }

  @Mutation(() => Boolean, { description: 'Refused while the project still has deployments' })
  async deleteProject(@Arg('id', () => ID, { description: 'The project to delete' }) id: string, @Ctx() { services, viewer }: Context): Promise<boolean> {
    await services.policy.requireProjectRole(viewer, id, ProjectRole.admin);
    await services.projects.delete(id);
    return true;
  }

  @Mutation(() => Collaborator, { description: 'Gives an existing user a role in the project (project admins only)' })
  async addCollaborator(
    @Arg('projectId', () => ID, { description: 'The project to add them to' }) projectId: string,
    @Arg('email', () => String, { description: "The user's email; NOT_FOUND when no enabled account has it" }) email: string,
    @Arg('role', () => ProjectRole, { description: 'Their role in the project' }) role: ProjectRole,
    @Ctx() { services, viewer }: Context,
  ): Promise<Collaborator> {
    await services.policy.requireProjectRole(viewer, projectId, ProjectRole.admin);
    return services.projects.addCollaborator(projectId, email, role);
  }

  @Mutation(() => Collaborator, { description: 'Refused when it would leave the project without an admin' })
  async changeCollaboratorRole(
    @Arg('projectId', () => ID, { description: 'The project' }) projectId: string,
    @Arg('userId', () => ID, { description: "The collaborator's user id" }) userId: string,
    @Arg('role', () => ProjectRole, { description: 'Their new role' }) role: ProjectRole,
    @Ctx() { services, viewer }: Context,
  ): Promise<Collaborator> {
    await services.policy.requireProjectRole(viewer, projectId, ProjectRole.admin);
    return services.projects.changeCollaboratorRole(projectId, userId, role);
  }

  @Mutation(() => Boolean, { description: 'Ends their access at once, subscriptions included; refused for the last admin' })
  async removeCollaborator(@Arg('projectId', () => ID, { description: 'The project' }) projectId: string, @Arg('userId', () => ID, { description: "The collaborator's user id" }) userId: string, @Ctx() { services, viewer }: Context): Promise<boolean> {
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
  projectUpdated(@Arg('projectId', () => ID, { description: 'A project the viewer can see' }) _projectId: string, @Root() update: ProjectUpdate): ProjectUpdated {
    return update;
  }
}
