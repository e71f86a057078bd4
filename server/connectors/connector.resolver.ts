import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { User } from '../auth/user.entity';
import type { Context } from '../graphql/context';
import { ProjectRole } from '../projects/collaborator.entity';
import { ConnectorTestResult } from './connector-test-result';
import { Connector } from './connector.entity';
import { CreateConnectorInput, UpdateConnectorInput } from './connector.inputs';

@Resolver(() => Connector)
export class ConnectorResolver {
  @Query(() => [Connector], { description: "The project's external databases, by name" })
  async connectors(@Arg('projectId', () => ID, { description: 'The project' }) projectId: string, @Ctx() { services, viewer }: Context): Promise<Connector[]> {
    await services.policy.requireProjectRole(viewer, projectId, ProjectRole.viewer);
    return services.connectors.list(projectId);
  }

  @Query(() => Connector, { description: 'One connector; NOT_FOUND when it does not exist or the viewer cannot see its project' })
  async connector(@Arg('id', () => ID, { description: "The connector's id" }) id: string, @Ctx() { services, viewer }: Context): Promise<Connector> {
    return services.policy.inProject(viewer, 'Connector', id, ProjectRole.viewer, (id) => services.connectors.get(id));
  }

  @FieldResolver(() => User, { nullable: true, description: 'Who created it' })
  createdBy(@Root() connector: Connector, @Ctx() { services }: Context): Promise<User | null> {
    return connector.createdBy ? services.db.getRepository(User).findOneBy({ id: connector.createdBy }) : Promise.resolve(null);
  }

  @Mutation(() => Connector, { description: 'The password is stored encrypted and never returned' })
  async createConnector(@Arg('input', () => CreateConnectorInput, { description: 'Where the database is and how to sign in to it' }) input: CreateConnectorInput, @Ctx() { services, viewer }: Context): Promise<Connector> {
    const user = await services.policy.requireProjectRole(viewer, input.projectId, ProjectRole.contributor);
    const { projectId, ...fields } = input;
    return services.connectors.create(projectId, user.id, fields);
  }

  @Mutation(() => Connector, { description: 'Changes where and how a connector connects; a field left out keeps its value, the password included' })
  async updateConnector(@Arg('input', () => UpdateConnectorInput, { description: 'The connector and what changes' }) input: UpdateConnectorInput, @Ctx() { services, viewer }: Context): Promise<Connector> {
    await services.policy.inProject(viewer, 'Connector', input.id, ProjectRole.contributor, (id) => services.connectors.get(id));
    // An omitted field is undefined and keeps its value; an explicit null port means 5432.
    const { id, ...changes } = input;
    return services.connectors.update(id, changes);
  }

  @Mutation(() => ConnectorTestResult, { description: 'Connects from this server and tries reading and creating a table; says precisely what failed' })
  async testConnector(@Arg('id', () => ID, { description: 'The connector to try' }) id: string, @Ctx() { services, viewer }: Context): Promise<ConnectorTestResult> {
    const connector = await services.policy.inProject(viewer, 'Connector', id, ProjectRole.contributor, (id) => services.connectors.get(id));
    const user = services.policy.requireUser(viewer);
    // Rate-limited per user; a host outside the allowed set is answered "not allowed" without connecting.
    return services.connectors.test(connector, user.id);
  }

  @Mutation(() => Boolean, { description: 'Refused while a pipeline uses it' })
  async deleteConnector(@Arg('id', () => ID, { description: 'The connector to delete' }) id: string, @Ctx() { services, viewer }: Context): Promise<boolean> {
    await services.policy.inProject(viewer, 'Connector', id, ProjectRole.contributor, (id) => services.connectors.get(id));
    await services.connectors.delete(id);
    return true;
  }
}
