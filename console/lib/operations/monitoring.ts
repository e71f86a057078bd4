import { graphql, type ResultOf } from '../graphql';

export const LiveMetricsSubscription = graphql(`
  subscription DeploymentLiveMetrics($deploymentId: ID!) {
    deploymentMetrics(deploymentId: $deploymentId) {
      at
      requestsPerSecond
      errorsPerSecond
      rowsPerSecond
      p50Ms
      p95Ms
      cpuSecondsPerSecond
      memoryBytes
    }
  }
`);

export const MonitoringQuery = graphql(`
  query DeploymentMonitoring($deploymentId: ID!, $from: DateTimeISO, $to: DateTimeISO, $granularity: TimeStep!) {
    deploymentMonitoring(deploymentId: $deploymentId, from: $from, to: $to, granularity: $granularity) {
      from
      to
      trafficStep
      traffic {
        time
        role
        requests
        rows
        errors
        shed
        latencyP50Ms
        latencyP95Ms
      }
      driftOverTime {
        time
        feature
        jensenShannon
        drifted
        missingChanged
        reason
        rows
      }
      comparison {
        pairs
        agreementRate
        meanAbsoluteDifference
        correlation
        challengerModelId
        challengerShed
        challengerFailed
        mainLatencyP50Ms
        challengerLatencyP50Ms
      }
      performance {
        time
        role
        rows
        accuracy
        macroF1
        rmse
        mae
      }
    }
  }
`);


export const DeploymentModelsQuery = graphql(`
  query DeploymentMonitoringContext($id: ID!) {
    deployment(id: $id) {
      id
      slug
      versions {
        id
        number
        current
        mainModel {
          id
          name
        }
        challengerModel {
          id
          name
        }
      }
    }
  }
`);

export type MonitoringData = ResultOf<typeof MonitoringQuery>['deploymentMonitoring'];
export type LiveMetricsData = ResultOf<typeof LiveMetricsSubscription>['deploymentMetrics'];

/** Live inputs and predictions against the training data: the drift view reads this one query. */
export const DeploymentDriftQuery = graphql(`
  query DeploymentDrift($deploymentId: ID!, $from: DateTimeISO, $to: DateTimeISO) {
    deploymentDrift(deploymentId: $deploymentId, from: $from, to: $to) {
      from
      to
      enoughData
      drifted
      driftedFeatures
      share
      expectedShare
      missingChangedFeatures
      thresholds {
        significance
        jensenShannon
        wasserstein
        missingShare
        minRows
      }
      features {
        feature
        type
        rows
        enoughData
        psi
        psiBand
        jensenShannon
        wasserstein
        drifted
        test
        pValue
        adjustedPValue
        effect
        effectSize
        effectFloor
        windowThreshold
        reason
        missing {
          reference
          current
          pValue
          adjustedPValue
          changed
        }
        labels
        reference
        current
      }
      predictions {
        role
        modelId
        rows
        enoughData
        psi
        psiBand
        jensenShannon
        wasserstein
        drifted
        labels
        reference
        current
      }
    }
  }
`);

export type DriftReportData = ResultOf<typeof DeploymentDriftQuery>['deploymentDrift'];
