'use client';

import { useEffect, useId, useState, type FormEvent } from 'react';
import { useMutation, useSubscription } from 'urql';
import { TrainExperimentVersionMutation, TrainingProgressSubscription, type DatasetData, type TrainingProgressData } from '../../lib/account-operations';
import type { ExperimentData } from '../../lib/deployment-operations';
import { messageOf } from '../../lib/errors';
import { formatMetric } from '../../lib/format';

const TYPES = ['numeric', 'categorical', 'boolean'] as const;

interface FeatureChoice {
  name: string;
  inferred: string;
  type: string;
  include: boolean;
}

/** Uploads a CSV to the REST route: multipart, same origin, the session cookie. */
export async function uploadCsv(projectId: string, file: File): Promise<DatasetData> {
  const form = new FormData();
  form.append('file', file, file.name);
  const response = await fetch(`/api/v1/projects/${encodeURIComponent(projectId)}/datasets`, { method: 'POST', body: form, credentials: 'same-origin' });
  const body = (await response.json().catch(() => null)) as (DatasetData & { error?: string }) | null;
  if (!response.ok || !body) throw new Error(body?.error ?? `Upload failed (HTTP ${response.status})`);
  return body;
}

/**
 * "New version by training": upload a CSV, review its columns and their types, start training,
 * then follow the candidates' epochs live until the version is ready or failed.
 */
export function TrainVersion({ projectId, experiment, onChanged, onClose }: { projectId: string; experiment: ExperimentData; onChanged: () => void; onClose: () => void }) {
  const [dataset, setDataset] = useState<DatasetData | null>(null);
  const [features, setFeatures] = useState<FeatureChoice[]>([]);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [versionId, setVersionId] = useState<string | null>(null);
  const [{ fetching: starting }, train] = useMutation(TrainExperimentVersionMutation);
  const fileId = useId();

  async function upload(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const file = new FormData(event.currentTarget).get('file');
    if (!(file instanceof File) || file.size === 0) {
      setError('Choose a CSV file first');
      return;
    }
    setError(null);
    setUploading(true);
    try {
      const uploaded = await uploadCsv(projectId, file);
      setDataset(uploaded);
      setFeatures(
        uploaded.inferredSchema
          .filter((column) => column.name !== experiment.targetColumn)
          .map((column) => ({ name: column.name, inferred: column.type, type: column.type, include: true })),
      );
      if (!uploaded.columns.includes(experiment.targetColumn)) {
        setError(`The file has no “${experiment.targetColumn}” column, which this experiment predicts`);
      }
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setUploading(false);
    }
  }

  async function start(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!dataset) return;
    const description = String(new FormData(event.currentTarget).get('description') ?? '').trim();
    setError(null);
    const result = await train({
      input: {
        experimentId: experiment.id,
        datasetId: dataset.id,
        description: description || null,
        features: features.filter((feature) => feature.include).map((feature) => ({ name: feature.name, type: feature.type, nullable: true })),
      },
    });
    if (result.error || !result.data) {
      setError(result.error ? messageOf(result.error) : 'No answer from the server');
      return;
    }
    setVersionId(result.data.trainExperimentVersion.id);
    onChanged();
  }

  const update = (name: string, change: Partial<FeatureChoice>) => setFeatures((current) => current.map((feature) => (feature.name === name ? { ...feature, ...change } : feature)));

  return (
    <section className="card train-version" aria-label={`Train a new version of ${experiment.name}`}>
      <div className="card-head">
        <h4>New version by training</h4>
        <button type="button" className="secondary" onClick={onClose}>
          {versionId ? 'Close' : 'Cancel'}
        </button>
      </div>
      {versionId ? (
        <TrainingProgressView versionId={versionId} experiment={experiment} onChanged={onChanged} />
      ) : (
        <>
          <form className="toolbar" onSubmit={upload}>
            <label htmlFor={fileId}>Training CSV</label>
            <input id={fileId} name="file" type="file" accept=".csv,text/csv" required />
            <button type="submit" className={dataset ? 'secondary' : undefined} disabled={uploading} aria-busy={uploading}>
              {uploading ? 'Uploading…' : dataset ? 'Upload another file' : 'Upload CSV'}
            </button>
          </form>
          {dataset && (
            <form className="form-grid" onSubmit={start}>
              <p className="muted small" role="status">
                {dataset.fileName}: {dataset.rows} rows, {dataset.columns.length} columns. <strong>{experiment.targetColumn}</strong> is the target; choose the features and
                their types.
              </p>
              <div className="table-scroll">
                <table aria-label="Features">
                  <thead>
                    <tr>
                      <th scope="col">Use</th>
                      <th scope="col">Column</th>
                      <th scope="col">Inferred type</th>
                      <th scope="col">Type</th>
                    </tr>
                  </thead>
                  <tbody>
                    {features.map((feature) => (
                      <tr key={feature.name} data-feature={feature.name}>
                        <td>
                          <input type="checkbox" aria-label={`Use ${feature.name}`} checked={feature.include} onChange={(event) => update(feature.name, { include: event.target.checked })} />
                        </td>
                        <td className="strong">{feature.name}</td>
                        <td className="muted">{feature.inferred}</td>
                        <td>
                          <select aria-label={`Type of ${feature.name}`} value={feature.type} disabled={!feature.include} onChange={(event) => update(feature.name, { type: event.target.value })}>
                            {TYPES.map((type) => (
                              <option key={type} value={type}>
                                {type}
                              </option>
                            ))}
                          </select>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <label>
                <span>
                  Version description <span className="muted">(optional)</span>
                </span>
                <input name="description" maxLength={200} placeholder="What changed in this version" />
              </label>
              <div className="actions">
                <button type="submit" disabled={starting || !features.some((feature) => feature.include)} aria-busy={starting}>
                  {starting ? 'Starting…' : 'Start training'}
                </button>
              </div>
            </form>
          )}
        </>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/** Live epochs per candidate from `trainingProgress`, then the version's final status. */
function TrainingProgressView({ versionId, experiment, onChanged }: { versionId: string; experiment: ExperimentData; onChanged: () => void }) {
  const [candidates, setCandidates] = useState<Record<string, TrainingProgressData>>({});
  const [final, setFinal] = useState<TrainingProgressData | null>(null);
  const version = experiment.versions.find((candidate) => candidate.id === versionId);
  const status = final?.status ?? (version && version.status !== 'training' ? version.status : 'training');
  const done = status !== 'training';

  const [{ error }] = useSubscription({ query: TrainingProgressSubscription, variables: { versionId }, pause: done }, (_previous: unknown, response) => {
    const progress = response.trainingProgress;
    if (progress.status !== 'training') setFinal(progress);
    else if (progress.candidate) setCandidates((current) => ({ ...current, [progress.candidate!]: progress }));
    return response;
  });

  // Subscriptions do not replay what happened before they opened: the experiments query is
  // the fallback for a version that finished first, so it is polled while training lasts.
  useEffect(() => {
    if (done) {
      onChanged();
      return;
    }
    const timer = setInterval(onChanged, 3000);
    return () => clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [done]);

  const rows = Object.values(candidates);
  return (
    <div className="training-progress" data-testid="training-progress">
      <p role="status" aria-live="polite" className={status === 'failed' ? 'error' : status === 'ready' ? 'notice' : undefined}>
        {status === 'training' && `Training version ${version?.number ?? ''}…`}
        {status === 'ready' && `Version ${version?.number ?? ''} is ready: its models are listed below.`}
        {status === 'failed' && `Training failed${final?.message || version?.failureReason ? `: ${final?.message ?? version?.failureReason}` : ''}`}
      </p>
      {error && <p className="error">Live progress unavailable ({messageOf(error)}); the status still updates.</p>}
      {rows.length > 0 && (
        <div className="table-scroll">
          <table aria-label="Training progress">
            <thead>
              <tr>
                <th scope="col">Candidate</th>
                <th scope="col" className="number">
                  Epoch
                </th>
                <th scope="col" className="number">
                  Loss
                </th>
                <th scope="col" className="number">
                  Validation loss
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.candidate}>
                  <td className="strong">{row.candidate}</td>
                  <td className="number">{row.epoch ?? '—'}</td>
                  <td className="number">{formatMetric(row.loss)}</td>
                  <td className="number">{formatMetric(row.valLoss)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {!done && rows.length === 0 && <p className="muted small">Waiting for the first epoch…</p>}
    </div>
  );
}
