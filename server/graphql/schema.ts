import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
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
export function buildBerthSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  return buildSchema({ resolvers, pubSub, validate: false });
}

/** The text committed as schema.graphql (`npm run schema:emit`). */
export function printBerthSchema(schema: GraphQLSchema): string {
  return `# Generated from the resolvers by \`npm run schema:emit\`; do not edit by hand.\n\n${printSchema(schema)}\n`;
}
