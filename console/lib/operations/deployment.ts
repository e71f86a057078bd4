import { graphql, type ResultOf } from '../graphql';

/** What the console shows of a deployment's two statuses, everywhere it shows them. */
export const DeploymentStatusFields = graphql(`
  fragment DeploymentStatusFields on DeploymentStatus @_unmask {
    deploymentId
    deployed
    running
    runningReason
    version
    main {
      modelId
      name
      state
      reason
    }
    challenger {
      modelId
      name
      state
      reason
    }
  }
`);

export type DeploymentStatusData = ResultOf<typeof DeploymentStatusFields>;

export const MetricsFields = graphql(`
  fragment MetricsFields on ModelMetrics @_unmask {
    rmse
    mae
    r2
    accuracy
    logLoss
    macroF1
    rocAuc
  }
`);

export type MetricsData = ResultOf<typeof MetricsFields>;

export const ProjectQuery = graphql(`
  query Project($id: ID!) {
    project(id: $id) {
      id
      name
      description
      myRole
      createdAt
    }
  }
`);

export const ExperimentsQuery = graphql(
  `
    query Experiments($projectId: ID!) {
      experiments(projectId: $projectId) {
        id
        name
        description
        task
        targetColumn
        createdAt
        versions {
          id
          number
          description
          status
          failureReason
          createdAt
          models {
            id
            name
            algorithm
            status
            failureReason
            isBest
            metrics {
              ...MetricsFields
            }
          }
        }
      }
    }
  `,
  [MetricsFields],
);

export type ExperimentData = ResultOf<typeof ExperimentsQuery>['experiments'][number];
export type ExperimentVersionData = ExperimentData['versions'][number];
export type ModelData = ExperimentVersionData['models'][number];

export const DeploymentsQuery = graphql(
  `
    query Deployments($projectId: ID!) {
      deployments(projectId: $projectId) {
        id
        name
        slug
        access
        createdAt
        currentVersion
        formUrl
        experiment {
          id
          name
          versions {
            id
            number
            models {
              id
            }
          }
        }
        status {
          ...DeploymentStatusFields
        }
      }
    }
  `,
  [DeploymentStatusFields],
);

export type DeploymentRow = ResultOf<typeof DeploymentsQuery>['deployments'][number];

export const DeploymentStatusSubscription = graphql(
  `
    subscription DeploymentStatusChanged($projectId: ID, $deploymentId: ID) {
      deploymentStatusChanged(projectId: $projectId, deploymentId: $deploymentId) {
        ...DeploymentStatusFields
      }
    }
  `,
  [DeploymentStatusFields],
);

export const CreateDeploymentMutation = graphql(`
  mutation CreateDeployment($input: CreateDeploymentInput!) {
    createDeployment(input: $input) {
      id
      slug
      projectId
    }
  }
`);

export const DeploymentQuery = graphql(
  `
    query Deployment($id: ID!) {
      deployment(id: $id) {
        id
        projectId
        name
        slug
        description
        access
        validationMode
        createdAt
        currentVersion
        formUrl
        apiUrl
        docsUrl
        status {
          ...DeploymentStatusFields
        }
        experiment {
          id
          name
          task
          targetColumn
          versions {
            id
            number
            status
            models {
              id
              versionId
              name
              algorithm
              status
              isBest
              metrics {
                ...MetricsFields
              }
            }
          }
        }
        versions {
          id
          number
          current
          createdAt
          createdBy {
            id
            name
            email
          }
          mainModel {
            id
            versionId
            name
            metrics {
              ...MetricsFields
            }
          }
          challengerModel {
            id
            versionId
            name
            metrics {
              ...MetricsFields
            }
          }
        }
        events {
          id
          kind
          fromVersion
          toVersion
          createdAt
        }
      }
    }
  `,
  [DeploymentStatusFields, MetricsFields],
);

export type DeploymentData = ResultOf<typeof DeploymentQuery>['deployment'];
export type DeploymentVersionData = DeploymentData['versions'][number];

export const DeployModelVersionMutation = graphql(`
  mutation DeployModelVersion($deploymentId: ID!, $mainModelId: ID!, $challengerModelId: ID) {
    deployModelVersion(deploymentId: $deploymentId, mainModelId: $mainModelId, challengerModelId: $challengerModelId) {
      id
      number
      current
    }
  }
`);

export const RollbackDeploymentMutation = graphql(`
  mutation RollbackDeployment($deploymentVersionId: ID!) {
    rollbackDeployment(deploymentVersionId: $deploymentVersionId) {
      id
      number
      current
    }
  }
`);

export const DeleteDeploymentMutation = graphql(`
  mutation DeleteDeployment($id: ID!, $confirm: String!) {
    deleteDeployment(id: $id, confirm: $confirm)
  }
`);
