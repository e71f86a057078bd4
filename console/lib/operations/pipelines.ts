import { graphql, type ResultOf } from '../graphql';

export const PipelinesQuery = graphql(`
  query DeploymentPipelines($deploymentId: ID!) {
    deployment(id: $deploymentId) {
      id
      projectId
      slug
    }
    pipelines(deploymentId: $deploymentId) {
      id
      name
      sourceKind
      sourceDatasetId
      sourceConnectorId
      sourceSql
      destinationConnectorId
      destinationTable
      scheduleCron
      scheduleTimezone
      enabled
      retryAttempts
      retryBackoffMs
      maxErrorRatio
      createdAt
      scheduleDescription
      nextRunTimes(count: 5)
    }
  }
`);

export const SourcesQuery = graphql(`
  query PipelineSources($projectId: ID!) {
    project(id: $projectId) {
      id
      myRole
    }
    datasets(projectId: $projectId) {
      id
      fileName
      rows
      columns
      createdAt
    }
    connectors(projectId: $projectId) {
      id
      name
      host
      database
    }
  }
`);

/**
 * The features the deployment's current main model reads, from its experiment version's
 * preprocessing: what a dataset's columns must cover (the server checks the same on save).
 */
export const DeploymentFeaturesQuery = graphql(`
  query DeploymentFeatures($deploymentId: ID!) {
    deployment(id: $deploymentId) {
      id
      slug
      versions {
        id
        current
        mainModel {
          id
          versionId
        }
      }
      experiment {
        id
        versions {
          id
          preprocessing
        }
      }
    }
  }
`);

/** What a run shows, the same in the list and in its live updates. */
export const RunFields = graphql(`
  fragment RunFields on PipelineRun @_unmask {
    id
    pipelineId
    status
    trigger
    deploymentVersion
    attempt
    rowsRead
    rowsPredicted
    rowsFailed
    rowsTotal
    progress
    error
    startedAt
    finishedAt
    createdAt
    files
  }
`);

export const RunsQuery = graphql(
  `
    query PipelineRuns($pipelineId: ID!, $limit: Int!) {
      pipelineRuns(pipelineId: $pipelineId, limit: $limit) {
        ...RunFields
      }
    }
  `,
  [RunFields],
);

export const RunUpdatedSubscription = graphql(
  `
    subscription PipelineRunUpdated($pipelineId: ID!) {
      pipelineRunUpdated(pipelineId: $pipelineId) {
        ...RunFields
      }
    }
  `,
  [RunFields],
);

export const CreatePipelineMutation = graphql(`
  mutation CreatePipeline($input: CreatePipelineInput!) {
    createPipeline(input: $input) {
      id
      name
    }
  }
`);

export const UpdateScheduleMutation = graphql(`
  mutation UpdatePipelineSchedule($id: ID!, $cron: String, $timezone: String) {
    updatePipelineSchedule(id: $id, cron: $cron, timezone: $timezone) {
      id
      scheduleCron
      scheduleTimezone
      enabled
      scheduleDescription
      nextRunTimes(count: 5)
    }
  }
`);

export const SetEnabledMutation = graphql(`
  mutation SetPipelineEnabled($id: ID!, $enabled: Boolean!) {
    setPipelineEnabled(id: $id, enabled: $enabled) {
      id
      enabled
      nextRunTimes(count: 5)
    }
  }
`);

export const DeletePipelineMutation = graphql(`
  mutation DeletePipeline($id: ID!) {
    deletePipeline(id: $id)
  }
`);

export const RunNowMutation = graphql(`
  mutation RunPipelineNow($id: ID!) {
    runPipelineNow(id: $id) {
      id
      pipelineId
      status
    }
  }
`);

export const CancelRunMutation = graphql(`
  mutation CancelPipelineRun($runId: ID!) {
    cancelPipelineRun(runId: $runId) {
      id
      status
      error
    }
  }
`);

export type PipelineData = ResultOf<typeof PipelinesQuery>['pipelines'][number];
export type PipelineSourcesData = ResultOf<typeof SourcesQuery>;
export type PipelineRunData = ResultOf<typeof RunsQuery>['pipelineRuns'][number];
