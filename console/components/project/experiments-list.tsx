'use client';

import { useMemo } from 'react';
import { useQuery } from 'urql';
import { ExperimentsQuery, type ExperimentData } from '../../lib/deployment-operations';
import { messageOf } from '../../lib/errors';
import { formatDate } from '../../lib/format';
import { Loading } from '../app-shell';
import { ErrorMessage } from '../error-message';
import { ModelMetricsTable } from '../model-metrics';

const TASK_LABELS = { regression: 'Regression', binary: 'Binary classification', multiclass: 'Multiclass classification' } as const;

/** A project's experiments, each version with its candidate models' metrics side by side. */
export function ExperimentsList({ projectId }: { projectId: string }) {
  const context = useMemo(() => ({ additionalTypenames: ['Experiment'] }), []);
  const [{ data, fetching, error }, refetch] = useQuery({ query: ExperimentsQuery, variables: { projectId }, context, requestPolicy: 'cache-and-network' });

  if (error && !data) return <ErrorMessage message={messageOf(error)} onRetry={() => refetch({ requestPolicy: 'network-only' })} />;
  if (!data) return fetching ? <Loading what="experiments" /> : null;
  if (data.experiments.length === 0) {
    return (
      <div className="card empty">
        <p>No experiments yet</p>
        <p className="muted">
          Train models from a CSV with the GraphQL API (<code>createExperiment</code>, then <code>trainExperimentVersion</code>); they appear here with their
          metrics.
        </p>
      </div>
    );
  }
  return (
    <ul className="experiments" aria-label="Experiments">
      {data.experiments.map((experiment) => (
        <ExperimentCard key={experiment.id} experiment={experiment} />
      ))}
    </ul>
  );
}

function ExperimentCard({ experiment }: { experiment: ExperimentData }) {
  const versions = [...experiment.versions].sort((a, b) => b.number - a.number);
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
