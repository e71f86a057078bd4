import { graphql, type ResultOf } from '../graphql';

export const UsageQuery = graphql(`
  query DeploymentUsage($deploymentId: ID!, $from: DateTimeISO, $to: DateTimeISO) {
    deploymentUsage(deploymentId: $deploymentId, from: $from, to: $to) {
      minute
      cpuSeconds
      memoryBytes
      requests
      errors
      processCpuSeconds
      processRssBytes
    }
  }
`);

export type UsagePointData = ResultOf<typeof UsageQuery>['deploymentUsage'][number];
