'use client';

import Link from 'next/link';
import { useCallback, useMemo } from 'react';
import { useQuery } from 'urql';
import { DeploymentsQuery, type DeploymentStatusData } from '../../lib/deployment-operations';
import { messageOf } from '../../lib/errors';
import { ACCESS_LABELS, formatDate } from '../../lib/format';
import { useLiveStatuses } from '../../lib/use-live-statuses';
import { Loading } from '../app-shell';
import { ErrorMessage } from '../error-message';
import { ModelServing, StatusBadges } from '../status-badges';

/** A project's deployments with their statuses, kept live by `deploymentStatusChanged(projectId)`. */
export function DeploymentsTable({ projectId }: { projectId: string }) {
  // An empty list names no type: say which one a mutation must touch to refresh it.
  const context = useMemo(() => ({ additionalTypenames: ['Deployment'] }), []);
  const [{ data, fetching, error }, refetch] = useQuery({ query: DeploymentsQuery, variables: { projectId }, context, requestPolicy: 'cache-and-network' });

  const deployments = data?.deployments;
  const onChange = useCallback(
    (status: DeploymentStatusData) => {
      // A deployment created or deleted elsewhere, or a new current version: the list is stale.
      const row = deployments?.find((deployment) => deployment.id === status.deploymentId);
      if (!row || status.version !== row.currentVersion) refetch({ requestPolicy: 'network-only' });
    },
    [deployments, refetch],
  );
  const live = useLiveStatuses({ projectId }, onChange);

  if (error && !data) return <ErrorMessage message={messageOf(error)} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (!deployments) return fetching ? <Loading what="deployments" /> : null;
  if (deployments.length === 0) {
    return (
      <div className="card empty">
        <p>No deployments yet</p>
        <p className="muted">Deploy a model of one of the experiments below to serve it behind a stable URL and a web form.</p>
      </div>
    );
  }
  return (
    <>
      {live.error && <p className="muted small">Live status updates are unavailable: {live.error}</p>}
      <div className="table-scroll">
        <table className="deployments responsive" aria-label="Deployments">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Main</th>
              <th scope="col">Challenger</th>
              <th scope="col" className="number">
                Version
              </th>
              <th scope="col">Created</th>
              <th scope="col">URL</th>
            </tr>
          </thead>
          <tbody>
            {deployments.map((deployment) => {
              const status = live.statuses[deployment.id] ?? deployment.status;
              return (
                <tr key={deployment.id} data-deployment={deployment.slug}>
                  <th scope="row" data-label="Name">
                    <Link href={`/deployments/${deployment.id}`} className="strong">
                      {deployment.name}
                    </Link>
                    <span className="muted small block">
                      {deployment.experiment.name} · {ACCESS_LABELS[deployment.access].label.toLowerCase()}
                    </span>
                  </th>
                  <td data-label="Status">
                    <StatusBadges status={status} />
                  </td>
                  <td data-label="Main">
                    <ModelServing model={status.main} />
                  </td>
                  <td data-label="Challenger">
                    <ModelServing model={status.challenger} empty="none" />
                  </td>
                  <td data-label="Version" className="number">
                    {deployment.currentVersion ?? '—'}
                  </td>
                  <td data-label="Created">{formatDate(deployment.createdAt)}</td>
                  <td data-label="URL" className="nowrap">
                    <Link href={`/d/${deployment.slug}`} title={deployment.formUrl}>
                      /d/{deployment.slug}
                    </Link>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
