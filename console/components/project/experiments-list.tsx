'use client';

import { useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { CreateExperimentMutation } from '../../lib/account-operations';
import { ExperimentsQuery, type ExperimentData } from '../../lib/deployment-operations';
import { messageOf } from '../../lib/errors';
import { formatDate } from '../../lib/format';
import { Loading } from '../app-shell';
import { ErrorMessage } from '../error-message';
import { ModelMetricsTable } from '../model-metrics';
import { ImportVersion } from './import-version';
import { TrainVersion } from './train-version';

const TASK_LABELS = { regression: 'Regression', binary: 'Binary classification', multiclass: 'Multiclass classification' } as const;

/** A project's experiments, each version with its candidate models' metrics side by side. */
export function ExperimentsList({ projectId, canEdit = false }: { projectId: string; canEdit?: boolean }) {
  const context = useMemo(() => ({ additionalTypenames: ['Experiment'] }), []);
  const [{ data, fetching, error }, refetch] = useQuery({ query: ExperimentsQuery, variables: { projectId }, context, requestPolicy: 'cache-and-network' });
  const reload = () => refetch({ requestPolicy: 'network-only' });

  if (error && !data) return <ErrorMessage message={messageOf(error)} onRetry={reload} />;
  if (!data) return fetching ? <Loading what="experiments" /> : null;
  return (
    <>
      {canEdit && <NewExperiment projectId={projectId} onCreated={reload} />}
      {data.experiments.length === 0 ? (
        <div className="card empty">
          <p>No experiments yet</p>
          <p className="muted">
            {canEdit ? 'Create one, then train a version from a CSV file' : 'A contributor of the project creates them and trains models from CSV files'}; they appear here with
            their metrics.
          </p>
        </div>
      ) : (
        <ul className="experiments" aria-label="Experiments">
          {data.experiments.map((experiment) => (
            <ExperimentCard key={experiment.id} projectId={projectId} experiment={experiment} canEdit={canEdit} onChanged={reload} />
          ))}
        </ul>
      )}
    </>
  );
}

/** "New experiment": a name, a task and the column its models predict. */
function NewExperiment({ projectId, onCreated }: { projectId: string; onCreated: () => void }) {
  const [open, setOpen] = useState(false);
  const [{ fetching }, create] = useMutation(CreateExperimentMutation);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const task = String(form.get('task'));
    setError(null);
    const result = await create({
      input: {
        projectId,
        name: String(form.get('name')).trim(),
        description: String(form.get('description') ?? '').trim() || null,
        task: task === 'regression' || task === 'binary' ? task : 'multiclass',
        targetColumn: String(form.get('targetColumn')).trim(),
      },
    });
    if (result.error) {
      setError(messageOf(result.error));
      return;
    }
    setOpen(false);
    onCreated();
  }

  if (!open) {
    return (
      <div className="actions new-experiment-open">
        <button type="button" onClick={() => setOpen(true)}>
          New experiment
        </button>
      </div>
    );
  }
  return (
    <form className="card form-grid" onSubmit={submit} aria-label="New experiment">
      <h3>New experiment</h3>
      <div className="two-columns">
        <label>
          Experiment name
          <input name="name" required maxLength={100} autoFocus placeholder="Penguin species" />
        </label>
        <label>
          Task
          <select name="task" defaultValue="multiclass">
            {Object.entries(TASK_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Target column
          <input name="targetColumn" required placeholder="The CSV column the models predict" />
        </label>
        <label>
          <span>
            Description <span className="muted">(optional)</span>
          </span>
          <input name="description" />
        </label>
      </div>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
        <button type="submit" disabled={fetching} aria-busy={fetching}>
          {fetching ? 'Creating…' : 'Create experiment'}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function ExperimentCard({ projectId, experiment, canEdit, onChanged }: { projectId: string; experiment: ExperimentData; canEdit: boolean; onChanged: () => void }) {
  const versions = [...experiment.versions].sort((a, b) => b.number - a.number);
  const [training, setTraining] = useState(false);
  const [importing, setImporting] = useState(false);
  return (
    <li className="card experiment">
      <div className="card-head">
        <h3>{experiment.name}</h3>
        <span className="badge">{TASK_LABELS[experiment.task]}</span>
      </div>
      <p className="muted small">
        Predicts <strong>{experiment.targetColumn}</strong> · created {formatDate(experiment.createdAt)}
      </p>
      {experiment.description && <p>{experiment.description}</p>}
      {canEdit && !training && !importing && (
        <div className="actions">
          <button type="button" className="secondary" onClick={() => setTraining(true)}>
            New version by training<span className="visually-hidden"> of {experiment.name}</span>
          </button>
          <button type="button" className="secondary" onClick={() => setImporting(true)}>
            Import TF.js model<span className="visually-hidden"> into {experiment.name}</span>
          </button>
        </div>
      )}
      {training && <TrainVersion projectId={projectId} experiment={experiment} onChanged={onChanged} onClose={() => setTraining(false)} />}
      {importing && <ImportVersion projectId={projectId} experiment={experiment} onChanged={onChanged} onClose={() => setImporting(false)} />}
      {versions.length === 0 && <p className="muted">No versions yet.</p>}
      {versions.map((version) => (
        <section key={version.id} className="version" aria-label={`${experiment.name} version ${version.number}`}>
          <h4>
            Version {version.number}
            {version.status !== 'ready' && <span className={`state ${version.status === 'failed' ? 'bad' : 'pending'}`}>{version.status}</span>}
            {version.description && <span className="muted"> — {version.description}</span>}
          </h4>
          {version.status === 'failed' && version.failureReason && <p className="error">{version.failureReason}</p>}
          {version.models.length === 0 ? (
            <p className="muted small">{version.status === 'training' ? 'Training its candidate models…' : 'No models.'}</p>
          ) : (
            <ModelMetricsTable
              task={experiment.task}
              caption={`Holdout metrics of the models of ${experiment.name} version ${version.number}`}
              models={version.models.map((model) => ({ ...model, detail: model.name.startsWith(model.algorithm) ? undefined : model.algorithm }))}
            />
          )}
        </section>
      ))}
    </li>
  );
}
