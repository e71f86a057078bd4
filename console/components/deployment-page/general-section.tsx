'use client';

import Link from 'next/link';
import type { DeploymentData, DeploymentStatusData } from '../../lib/deployment-operations';
import { ACCESS_LABELS, formatDateTime, VALIDATION_LABELS } from '../../lib/format';
import { ApiKeysSection } from '../deployment/api-keys-section';
import { ModelMetricsTable } from '../model-metrics';
import { ModelServing, StatusBadges } from '../status-badges';
import { DriftPanel } from './drift-panel';
import { modelLabel, versionNumbers } from './model-names';

/** The path of a URL the server built from its public URL: the console serves the same routes. */
export const pathOf = (url: string) => {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
};

/**
 * A URL of the server as the person reading it reaches it: the console and those routes share
 * an origin, which may differ from BERTH_PUBLIC_URL (a proxy in front, an unset public URL).
 */
const asSeenHere = (url: string) => (typeof window === 'undefined' ? url : `${window.location.origin}${pathOf(url)}`);

export function GeneralSection({ deployment, status }: { deployment: DeploymentData; status: DeploymentStatusData }) {
  const numbers = versionNumbers(deployment);
  const current = deployment.versions.find((version) => version.current);
  const models = current
    ? [
        { ...current.mainModel, role: 'Main', name: modelLabel(current.mainModel, numbers) },
        ...(current.challengerModel ? [{ ...current.challengerModel, role: 'Challenger', name: modelLabel(current.challengerModel, numbers) }] : []),
      ]
    : [];

  return (
    <div className="sections">
      <div className="general-grid">
        <section className="card" aria-labelledby="details-title">
          <h3 id="details-title">Details</h3>
          <dl className="details">
            <div>
              <dt>Created</dt>
              <dd>{formatDateTime(deployment.createdAt)}</dd>
            </div>
            <div>
              <dt>Current version</dt>
              <dd data-testid="current-version">{deployment.currentVersion ?? '—'}</dd>
            </div>
            <div>
              <dt>Experiment</dt>
              <dd>{deployment.experiment.name}</dd>
            </div>
            <div>
              <dt>Access</dt>
              <dd>
                {ACCESS_LABELS[deployment.access].label}
                <span className="muted small block">{ACCESS_LABELS[deployment.access].rule}</span>
              </dd>
            </div>
            <div>
              <dt>Validation</dt>
              <dd>
                {VALIDATION_LABELS[deployment.validationMode].label}
                <span className="muted small block">{VALIDATION_LABELS[deployment.validationMode].rule}</span>
              </dd>
            </div>
            <div>
              <dt>Web form</dt>
              <dd>
                <Link href={pathOf(deployment.formUrl)}>{asSeenHere(deployment.formUrl)}</Link>
              </dd>
            </div>
            <div>
              <dt>API docs</dt>
              <dd>
                <Link href={pathOf(deployment.docsUrl)}>{asSeenHere(deployment.docsUrl)}</Link>
              </dd>
            </div>
            <div>
              <dt>Prediction API</dt>
              <dd>
                <code className="wrap">POST {asSeenHere(deployment.apiUrl)}</code>
              </dd>
            </div>
          </dl>
        </section>

        <section className="card" aria-labelledby="status-title">
          <h3 id="status-title">Status</h3>
          <p>
            <StatusBadges status={status} />
          </p>
          {!status.running && status.runningReason && <p className="muted small">Not running: {status.runningReason}</p>}
          <dl className="details">
            <div>
              <dt>Serving version</dt>
              <dd data-testid="serving-version">{status.version ?? '—'}</dd>
            </div>
            <div>
              <dt>Main</dt>
              <dd data-testid="main-status">
                <ModelServing model={status.main} />
              </dd>
            </div>
            <div>
              <dt>Challenger</dt>
              <dd data-testid="challenger-status">
                <ModelServing model={status.challenger} empty="none" />
              </dd>
            </div>
          </dl>
          <p className="muted small">Updated live as this server loads, switches and probes the models.</p>
        </section>
      </div>

      <section className="card" aria-labelledby="deployed-models-title">
        <h3 id="deployed-models-title">Deployed models</h3>
        {models.length === 0 ? (
          <p className="muted">No version is current.</p>
        ) : (
          <>
            <p className="muted small">Holdout metrics from training, version {current?.number} of the deployment.</p>
            <ModelMetricsTable task={deployment.experiment.task} caption="Holdout metrics of the deployed models" models={models} />
          </>
        )}
      </section>

      <section className="card" aria-labelledby="drift-title">
        <h3 id="drift-title">Drift</h3>
        <p className="muted small">Live inputs and predictions compared with the training data of the main model’s version.</p>
        <DriftPanel deploymentId={deployment.id} />
      </section>

      <section className="card" aria-labelledby="api-keys-title">
        <h3 id="api-keys-title">API keys</h3>
        <ApiKeysSection deploymentId={deployment.id} />
      </section>
    </div>
  );
}
