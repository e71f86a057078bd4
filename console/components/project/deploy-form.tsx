'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { CreateDeploymentMutation, type ExperimentData, type ExperimentVersionData } from '../../lib/deployment-operations';
import { fieldOf, messageOf } from '../../lib/errors';
import { ACCESS_LABELS, formatMetric, METRICS_OF_TASK, VALIDATION_LABELS } from '../../lib/format';
import type { ModelData } from '../../lib/deployment-operations';

type Access = keyof typeof ACCESS_LABELS;
type Validation = keyof typeof VALIDATION_LABELS;

const readyModels = (version: ExperimentVersionData | undefined) => version?.models.filter((model) => model.status === 'ready') ?? [];
const deployableVersions = (experiment: ExperimentData | undefined) =>
  [...(experiment?.versions ?? [])].filter((version) => readyModels(version).length > 0).sort((a, b) => b.number - a.number);
/** The best ready model of a version (or its first ready one), other than `except`. */
const defaultModel = (version: ExperimentVersionData | undefined, except?: string) => {
  const models = readyModels(version).filter((model) => model.id !== except);
  return (models.find((model) => model.isBest) ?? models[0])?.id ?? '';
};

/** "mlp-64 ★ best — accuracy 0.986": enough to choose a model from a list. */
function modelOption(model: ModelData, task: ExperimentData['task']) {
  const first = METRICS_OF_TASK[task][0]!;
  return `${model.name}${model.isBest ? ' ★ best' : ''} — ${first.label} ${formatMetric(model.metrics?.[first.name])}`;
}

/** The slug the server will derive from a name (server/deployments/slug.ts), before it makes it unique. */
function slugPreview(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
  return slug || 'deployment';
}

/** Name, experiment, main model and optional challenger, access and validation → createDeployment. */
export function DeployForm({ projectId, experiments }: { projectId: string; experiments: ExperimentData[] }) {
  const router = useRouter();
  const [{ fetching }, createDeployment] = useMutation(CreateDeploymentMutation);
  const deployable = experiments.filter((experiment) => deployableVersions(experiment).length > 0);

  const [experimentId, setExperimentId] = useState(deployable[0]?.id ?? '');
  const experiment = deployable.find((candidate) => candidate.id === experimentId);
  const versions = deployableVersions(experiment);
  const [versionId, setVersionId] = useState(versions[0]?.id ?? '');
  const version = versions.find((candidate) => candidate.id === versionId);
  const [mainModelId, setMainModelId] = useState(defaultModel(version));
  const [challengerVersionId, setChallengerVersionId] = useState('');
  const challengerVersion = versions.find((candidate) => candidate.id === challengerVersionId);
  const [challengerModelId, setChallengerModelId] = useState('');
  const [access, setAccess] = useState<Access>('project');
  const [validationMode, setValidationMode] = useState<Validation>('strict');
  const [name, setName] = useState('');
  const [error, setError] = useState<{ message: string; field: string | null } | null>(null);
  const [created, setCreated] = useState(false);

  if (deployable.length === 0) {
    return (
      <div className="card empty">
        <p>Nothing to deploy yet</p>
        <p className="muted">No experiment of this project has a ready model. Models appear here once their training is done.</p>
        <Link href={`/projects/${projectId}`}>Back to the project</Link>
      </div>
    );
  }

  function chooseExperiment(id: string) {
    const next = deployableVersions(deployable.find((candidate) => candidate.id === id));
    setExperimentId(id);
    setVersionId(next[0]?.id ?? '');
    setMainModelId(defaultModel(next[0]));
    setChallengerVersionId('');
    setChallengerModelId('');
  }

  function chooseVersion(id: string) {
    const next = versions.find((candidate) => candidate.id === id);
    const main = defaultModel(next);
    setVersionId(id);
    setMainModelId(main);
    if (challengerModelId === main) setChallengerModelId(defaultModel(challengerVersion, main));
  }

  function chooseMain(id: string) {
    setMainModelId(id);
    if (challengerModelId === id) setChallengerModelId(defaultModel(challengerVersion, id));
  }

  function chooseChallengerVersion(id: string) {
    setChallengerVersionId(id);
    setChallengerModelId(id ? defaultModel(versions.find((candidate) => candidate.id === id), mainModelId) : '');
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    if (challengerVersionId && !challengerModelId) {
      setError({ message: 'Choose the challenger model, or no challenger version', field: 'challengerModelId' });
      return;
    }
    const result = await createDeployment({
      input: {
        projectId,
        name,
        description: String(form.get('description') ?? ''),
        experimentId,
        mainModelId,
        challengerModelId: challengerModelId || null,
        access,
        validationMode,
      },
    });
    if (result.error || !result.data) {
      setError({ message: result.error ? messageOf(result.error) : 'The server gave no answer', field: result.error ? fieldOf(result.error) : null });
      return;
    }
    setCreated(true);
    router.push(`/deployments/${result.data.createDeployment.id}`);
  }

  const fieldError = (field: string) =>
    error?.field === field ? (
      <span className="field-error" id={`${field}-error`}>
        {error.message}
      </span>
    ) : null;
  /** The hint and, when the API named this field, its error: what a screen reader says after the label. */
  const describedBy = (field: string, hint?: string) => [error?.field === field ? `${field}-error` : null, hint ?? null].filter(Boolean).join(' ') || undefined;
  const challengerChoices = readyModels(challengerVersion).filter((model) => model.id !== mainModelId);
  const busy = fetching || created;

  return (
    <form className="card form-grid deploy-form" onSubmit={submit}>
      <div className="field">
        <label htmlFor="deploy-name">Name</label>
        <input
          id="deploy-name"
          name="name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          required
          maxLength={100}
          placeholder="Penguin species"
          aria-describedby={describedBy('name', 'deploy-name-hint')}
          aria-invalid={error?.field === 'name' || undefined}
        />
        {fieldError('name')}
        <span className="hint" id="deploy-name-hint">
          Also gives its URL: /d/{slugPreview(name || 'Penguin species')} (made unique if taken)
        </span>
      </div>
      <div className="field">
        <label htmlFor="deploy-description">
          Description <span className="muted">(optional)</span>
        </label>
        <textarea id="deploy-description" name="description" rows={2} placeholder="What it predicts, for whom" />
      </div>

      <fieldset>
        <legend>Models</legend>
        <div className="two-columns">
          <div className="field">
            <label htmlFor="deploy-experiment">Experiment</label>
            <select id="deploy-experiment" value={experimentId} onChange={(event) => chooseExperiment(event.target.value)} aria-describedby={describedBy('experimentId')}>
              {deployable.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  {candidate.name}
                </option>
              ))}
            </select>
            {fieldError('experimentId')}
          </div>
          <div className="field">
            <label htmlFor="deploy-version">Version</label>
            <select id="deploy-version" value={versionId} onChange={(event) => chooseVersion(event.target.value)}>
              {versions.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  Version {candidate.number}
                  {candidate.description ? ` — ${candidate.description}` : ''}
                </option>
              ))}
            </select>
          </div>
          <div className="field span-2">
            <label htmlFor="deploy-main">Main model</label>
            <select
              id="deploy-main"
              value={mainModelId}
              onChange={(event) => chooseMain(event.target.value)}
              required
              aria-describedby={describedBy('mainModelId', 'deploy-main-hint')}
            >
              {readyModels(version).map((model) => (
                <option key={model.id} value={model.id}>
                  {experiment && modelOption(model, experiment.task)}
                </option>
              ))}
            </select>
            {fieldError('mainModelId')}
            <span className="hint" id="deploy-main-hint">
              Ready models of this version; it answers every request.
            </span>
          </div>
          <div className="field">
            <label htmlFor="deploy-challenger-version">Challenger version</label>
            <select
              id="deploy-challenger-version"
              value={challengerVersionId}
              onChange={(event) => chooseChallengerVersion(event.target.value)}
              aria-describedby="deploy-challenger-hint"
            >
              <option value="">No challenger</option>
              {versions.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  Version {candidate.number}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="deploy-challenger">Challenger model</label>
            <select
              id="deploy-challenger"
              value={challengerModelId}
              onChange={(event) => setChallengerModelId(event.target.value)}
              disabled={!challengerVersionId}
              aria-describedby={describedBy('challengerModelId', 'deploy-challenger-hint')}
            >
              {!challengerVersionId && <option value="">—</option>}
              {challengerVersionId && challengerChoices.length === 0 && <option value="">No other ready model in this version</option>}
              {challengerChoices.map((model) => (
                <option key={model.id} value={model.id}>
                  {experiment && modelOption(model, experiment.task)}
                </option>
              ))}
            </select>
            {fieldError('challengerModelId')}
          </div>
          <p className="hint span-2" id="deploy-challenger-hint">
            Optional: a second model of the same experiment that gets the same rows after each answer, off the latency path, to compare with the main one.
          </p>
        </div>
      </fieldset>

      <fieldset className="choices">
        <legend>Who may call it</legend>
        {(Object.keys(ACCESS_LABELS) as Access[]).map((level) => (
          <label key={level} className="choice">
            <input
              type="radio"
              name="access"
              value={level}
              checked={access === level}
              onChange={() => setAccess(level)}
              aria-labelledby={`access-${level}`}
              aria-describedby={`access-${level}-rule`}
            />
            <span>
              <span className="choice-label" id={`access-${level}`}>
                {ACCESS_LABELS[level].label}
              </span>
              <span className="hint" id={`access-${level}-rule`}>
                {ACCESS_LABELS[level].rule}
              </span>
            </span>
          </label>
        ))}
        {fieldError('access')}
      </fieldset>

      <fieldset className="choices">
        <legend>Input validation</legend>
        {(Object.keys(VALIDATION_LABELS) as Validation[]).map((mode) => (
          <label key={mode} className="choice">
            <input
              type="radio"
              name="validationMode"
              value={mode}
              checked={validationMode === mode}
              onChange={() => setValidationMode(mode)}
              aria-labelledby={`validation-${mode}`}
              aria-describedby={`validation-${mode}-rule`}
            />
            <span>
              <span className="choice-label" id={`validation-${mode}`}>
                {VALIDATION_LABELS[mode].label}
              </span>
              <span className="hint" id={`validation-${mode}-rule`}>
                {VALIDATION_LABELS[mode].rule}
              </span>
            </span>
          </label>
        ))}
      </fieldset>

      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      <div className="actions">
        <Link href={`/projects/${projectId}`} className="button secondary">
          Cancel
        </Link>
        <button type="submit" disabled={busy} aria-busy={busy}>
          {busy ? 'Deploying…' : 'Deploy'}
        </button>
      </div>
    </form>
  );
}
