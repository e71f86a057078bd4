import { useEffect } from 'react';
import { useSubscription } from 'urql';
import { messageOf } from './errors';
import { DeploymentStatusSubscription, type DeploymentStatusData } from './operations/deployment';

type Scope = { projectId: string; deploymentId?: never } | { deploymentId: string; projectId?: never };

interface Pushed {
  byId: Record<string, DeploymentStatusData>;
  last: DeploymentStatusData;
}

const keepLatest = (previous: Pushed | undefined, data: { deploymentStatusChanged: DeploymentStatusData }): Pushed => {
  const status = data.deploymentStatusChanged;
  return { byId: { ...previous?.byId, [status.deploymentId]: status }, last: status };
};

/**
 * The latest status pushed by `deploymentStatusChanged` for each deployment of a project (or for
 * one deployment), by deployment id. Every change is pushed, so a pushed status is never older
 * than the one a query returned: show it in place of the query's. `onChange` hears each push.
 */
export function useLiveStatuses(scope: Scope, onChange?: (status: DeploymentStatusData) => void, pause = false) {
  const [{ data, error }] = useSubscription({ query: DeploymentStatusSubscription, variables: scope, pause }, keepLatest);
  const last = data?.last;
  useEffect(() => {
    if (last) onChange?.(last);
    // Each push calls back once; a new callback alone does not.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [last]);
  return { statuses: data?.byId ?? {}, error: error ? messageOf(error) : null };
}
