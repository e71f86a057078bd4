import type { DeploymentStatusData } from '../lib/deployment-operations';

type ServingStatus = NonNullable<DeploymentStatusData['main']>;

/** The two statuses of a deployment as two badges; a reason for "not running" is in the title. */
export function StatusBadges({ status }: { status: DeploymentStatusData }) {
  const runningTitle = status.running ? 'The prediction API answers' : `Not running: ${status.runningReason ?? 'no reason given'}`;
  return (
    <span className="status-badges">
      <span
        className={`status ${status.deployed ? 'ok' : 'off'}`}
        title={status.deployed ? 'Its models are loaded and serving' : 'Its models are not all loaded yet'}
      >
        <span aria-hidden="true">{status.deployed ? '●' : '○'}</span> {status.deployed ? 'Deployed' : 'Not deployed'}
      </span>
      <span className={`status ${status.running ? 'ok' : 'bad'}`} title={runningTitle}>
        <span aria-hidden="true">{status.running ? '●' : '○'}</span> {status.running ? 'Running' : 'Not running'}
        {!status.running && <span className="visually-hidden">: {status.runningReason ?? 'no reason given'}</span>}
      </span>
    </span>
  );
}

const STATE_CLASS: Record<string, string> = { ready: 'ok', loading: 'pending', failed: 'bad' };

/** One model being served: its name and where loading it stands (ready, loading, failed + why). */
export function ModelServing({ model, empty = '—' }: { model: ServingStatus | null; empty?: string }) {
  if (!model) return <span className="muted">{empty}</span>;
  return (
    <span className="model-serving" title={model.reason ? `${model.state}: ${model.reason}` : undefined}>
      <span className="model-name">{model.name}</span>{' '}
      <span className={`state ${STATE_CLASS[model.state] ?? 'off'}`}>{model.state}</span>
      {model.reason && <span className="visually-hidden">: {model.reason}</span>}
    </span>
  );
}
