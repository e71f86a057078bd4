import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage, type PubSub } from 'type-graphql';
import { AuthResolver } from '../auth/auth.resolver';
import { UserResolver } from '../auth/user.resolver';
import { ProjectResolver } from '../projects/project.resolver';
import { ExperimentResolver, ExperimentVersionResolver, ModelResolver } from '../experiments/experiment.resolver';
import { DeploymentResolver, DeploymentVersionResolver } from '../deployments/deployment.resolver';
import { MonitoringResolver } from '../monitoring/monitoring.resolver';
import { PipelineResolver, PipelineRunResolver } from '../pipelines/pipeline.resolver';
import { ConnectorResolver } from '../connectors/connector.resolver';

const resolvers = [AuthResolver, UserResolver, ProjectResolver, ExperimentResolver, ExperimentVersionResolver, ModelResolver, DeploymentResolver, DeploymentVersionResolver, MonitoringResolver, PipelineResolver, PipelineRunResolver, ConnectorResolver] as const;

/** Builds the GraphQL schema from the resolvers; `pubSub` feeds subscriptions. */
export async function buildBerthSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  // TypeScript applies parameter decorators from the last parameter to the first, so type-graphql
  // collects @Arg metadata in reverse and would emit login(password, email). Arguments are emitted
  // in the order the method declares them (the natural reading order) once sorted by position;
  // the sort is stable, and type-graphql groups the metadata per method, so nothing else moves.
  getMetadataStorage().params.sort((a, b) => a.index - b.index);
  const schema = await buildSchema({ resolvers, pubSub, validate: false });
  // type-graphql has no option for the root types' descriptions; graphql-js keeps them as plain properties.
  schema.getQueryType()!.description = 'Reads: every list and lookup the viewer may see';
  schema.getMutationType()!.description = 'Changes; each answers the changed object so that a client can update its view';
  schema.getSubscriptionType()!.description = 'Live updates over WebSocket (graphql-ws), on the server you are connected to unless a field says otherwise';
  return schema;
}

/** The text committed as schema.graphql (`npm run schema:emit`). */
export function printBerthSchema(schema: GraphQLSchema): string {
  return `# Generated from the resolvers by \`npm run schema:emit\`; do not edit by hand.\n\n${printSchema(schema)}\n`;
}
