'use client';

import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import {
  DeployModelVersionMutation,
  RollbackDeploymentMutation,
  type DeploymentData,
  type DeploymentVersionData,
} from '../../lib/deployment-operations';
import { messageOf } from '../../lib/errors';
import { formatDateTime, formatMetric, METRICS_OF_TASK } from '../../lib/format';
import { ConfirmDialog } from '../confirm-dialog';
import { modelLabel, versionNumbers } from './model-names';


/** Every version of a deployment, a form to deploy a new one, and rollback to an earlier one. */
export function VersionsSection({ deployment, canChange, onChanged }: { deployment: DeploymentData; canChange: boolean | null; onChanged: () => void }) {
  const numbers = versionNumbers(deployment);
  const [rollbackTo, setRollbackTo] = useState<DeploymentVersionData | null>(null);
  const [{ fetching: rollingBack }, rollback] = useMutation(RollbackDeploymentMutation);
  const [rollbackError, setRollbackError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function confirmRollback() {
    if (!rollbackTo) return;
    setRollbackError(null);
    const result = await rollback({ deploymentVersionId: rollbackTo.id });
    if (result.error) {
      setRollbackError(messageOf(result.error));
      return;
    }
    setNotice(`Rolled back to version ${rollbackTo.number}.`);
    setRollbackTo(null);
    onChanged();
  }

  return (
    <div className="sections">
      {canChange ? (
        <NewVersionForm
          deployment={deployment}
          numbers={numbers}
          onDeployed={(number) => {
            setNotice(`Version ${number} deployed.`);
            onChanged();
          }}
        />
      ) : canChange === false ? (
        <p className="muted small">Deploying a version or rolling back takes the contributor role in this project.</p>
      ) : null}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}

      <section className="card" aria-labelledby="versions-title">
        <h3 id="versions-title">Versions</h3>
        <div className="table-scroll">
          <table className="versions responsive" aria-label="Deployment versions">
            <thead>
              <tr>
                <th scope="col" className="number">
                  Version
                </th>
                <th scope="col">Main</th>
                <th scope="col">Challenger</th>
                <th scope="col">Author</th>
                <th scope="col">Date</th>
                <th scope="col">
                  <span className="visually-hidden">Current or rollback</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {deployment.versions.map((version) => (
                <tr key={version.id} className={version.current ? 'current' : undefined} data-version={version.number}>
                  <th scope="row" data-label="Version" className="number">
                    {version.number}
                  </th>
                  <td data-label="Main">{modelLabel(version.mainModel, numbers)}</td>
                  <td data-label="Challenger">{version.challengerModel ? modelLabel(version.challengerModel, numbers) : <span className="muted">none</span>}</td>
                  <td data-label="Author">{version.createdBy ? version.createdBy.name || version.createdBy.email : <span className="muted">unknown</span>}</td>
                  <td data-label="Date">{formatDateTime(version.createdAt)}</td>
                  <td data-label="">
                    {version.current ? (
                      <span className="badge">current</span>
                    ) : !canChange ? null : (
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => {
                          setRollbackError(null);
                          setRollbackTo(version);
                        }}
                      >
                        Roll back to version {version.number}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section className="card" aria-labelledby="history-title">
        <h3 id="history-title">History</h3>
        {deployment.events.length === 0 ? (
          <p className="muted">No switches yet.</p>
        ) : (
          <ol className="history">
            {deployment.events.map((event) => (
              <li key={event.id}>
                <span className="muted">{formatDateTime(event.createdAt)}</span>{' '}
                {event.kind === 'created'
                  ? `Created with version ${event.toVersion}`
                  : event.kind === 'deployed'
                    ? `Deployed version ${event.toVersion}${event.fromVersion ? `, replacing version ${event.fromVersion}` : ''}`
                    : `Rolled back from version ${event.fromVersion ?? '?'} to version ${event.toVersion}`}
              </li>
            ))}
          </ol>
        )}
      </section>

      <ConfirmDialog
        open={rollbackTo !== null}
        title={`Roll back to version ${rollbackTo?.number ?? ''}?`}
        confirmLabel="Roll back"
        busyLabel="Rolling back…"
        busy={rollingBack}
        error={rollbackError}
        onConfirm={confirmRollback}
        onCancel={() => setRollbackTo(null)}
      >
        {rollbackTo && (
          <p>
            Version {rollbackTo.number} becomes current again: <strong>{modelLabel(rollbackTo.mainModel, numbers)}</strong> answers
            {rollbackTo.challengerModel ? (
              <>
                , with <strong>{modelLabel(rollbackTo.challengerModel, numbers)}</strong> as challenger
              </>
            ) : (
              ', without a challenger'
            )}
            . Its models load first; requests in flight finish on the current ones.
          </p>
        )}
      </ConfirmDialog>
    </div>
  );
}

function NewVersionForm({ deployment, numbers, onDeployed }: { deployment: DeploymentData; numbers: Map<string, number>; onDeployed: (number: number) => void }) {
  const current = deployment.versions.find((version) => version.current);
  const [mainModelId, setMainModelId] = useState(current?.mainModel.id ?? '');
  const [challengerModelId, setChallengerModelId] = useState(current?.challengerModel?.id ?? '');
  const [{ fetching }, deploy] = useMutation(DeployModelVersionMutation);
  const [error, setError] = useState<string | null>(null);
  const task = deployment.experiment.task;
  const metric = METRICS_OF_TASK[task][0]!;
  const versions = [...deployment.experiment.versions].sort((a, b) => b.number - a.number);
  const nextNumber = Math.max(0, ...deployment.versions.map((version) => version.number)) + 1;

  const options = (except?: string) =>
    versions.map((version) => {
      const ready = version.models.filter((model) => model.status === 'ready' && model.id !== except);
      if (ready.length === 0) return null;
      return (
        <optgroup key={version.id} label={`Experiment version ${version.number}`}>
          {ready.map((model) => (
            <option key={model.id} value={model.id}>
              {modelLabel(model, numbers)}
              {model.isBest ? ' ★ best' : ''} — {metric.label} {formatMetric(model.metrics?.[metric.name])}
            </option>
          ))}
        </optgroup>
      );
    });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const result = await deploy({ deploymentId: deployment.id, mainModelId, challengerModelId: challengerModelId || null });
    if (result.error || !result.data) {
      setError(result.error ? messageOf(result.error) : 'The server gave no answer');
      return;
    }
    onDeployed(result.data.deployModelVersion.number);
  }

  return (
    <section className="card" aria-labelledby="new-version-title">
      <h3 id="new-version-title">Deploy a new version</h3>
      <p className="muted small">Any ready models of any version of {deployment.experiment.name}. The new models load first, then take over without clients noticing.</p>
      <form className="new-version" onSubmit={submit}>
        <label>
          Main model
          <select
            value={mainModelId}
            onChange={(event) => {
              setMainModelId(event.target.value);
              if (event.target.value === challengerModelId) setChallengerModelId('');
            }}
            required
          >
            {options()}
          </select>
        </label>
        <label>
          Challenger model
          <select value={challengerModelId} onChange={(event) => setChallengerModelId(event.target.value)}>
            <option value="">No challenger</option>
            {options(mainModelId)}
          </select>
        </label>
        <button type="submit" disabled={fetching || !mainModelId} aria-busy={fetching}>
          {fetching ? 'Deploying…' : `Deploy as version ${nextNumber}`}
        </button>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
