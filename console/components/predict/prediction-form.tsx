'use client';

import { useId, useState, type FormEvent } from 'react';
import { formatNumber } from '../../lib/format';
import { rowFrom, valuesFrom, type FormField, type FormValues, type PredictForm } from '../../lib/openapi-form';
import { ProbabilityChart } from './probability-chart';

interface Issue {
  row?: number;
  field?: string;
  message: string;
}

interface Prediction {
  prediction: unknown;
  probabilities?: Record<string, number>;
}

interface PredictResponse {
  requestId: string;
  version: number;
  model: { id: string; name: string };
  predictions: Prediction[];
  warnings?: Issue[];
}

type Outcome =
  | { kind: 'prediction'; response: PredictResponse }
  | { kind: 'invalid'; message: string; issues: Issue[] }
  | { kind: 'error'; message: string; signIn?: boolean };

/** One input per feature, pre-filled with a real training row; the answer beside it. */
export function PredictionForm({ slug, form }: { slug: string; form: PredictForm }) {
  const [values, setValues] = useState<FormValues>(() => valuesFrom(form, form.example));
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  const set = (name: string, value: string | boolean) => setValues((previous) => ({ ...previous, [name]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      const response = await fetch(`/api/v1/deployments/${encodeURIComponent(slug)}/predict`, {
        method: 'POST',
        credentials: 'same-origin',
        // Monitoring records these predictions with the `form` source.
        headers: { 'content-type': 'application/json', 'x-berth-source': 'form' },
        body: JSON.stringify({ inputs: rowFrom(form, values) }),
      });
      const body = (await response.json().catch(() => null)) as (PredictResponse & { error?: string; details?: Issue[] }) | null;
      if (response.ok && body) setOutcome({ kind: 'prediction', response: body });
      else if (response.status === 400) setOutcome({ kind: 'invalid', message: body?.error ?? 'Invalid input', issues: body?.details ?? [] });
      else
        setOutcome({
          kind: 'error',
          message: body?.error ?? `The server answered HTTP ${response.status}`,
          signIn: response.status === 401 || response.status === 403,
        });
    } catch (error) {
      setOutcome({ kind: 'error', message: `Cannot reach the server: ${(error as Error).message}` });
    } finally {
      setBusy(false);
    }
  }

  const issues = outcome?.kind === 'invalid' ? outcome.issues : [];
  const issueOf = (name: string) => issues.find((issue) => issue.field === name)?.message;
  const generalIssues = issues.filter((issue) => !issue.field || !form.fields.some((field) => field.name === issue.field));

  return (
    <>
      <div className="form-head">
        <h1>{form.title.replace(/ prediction API$/, '')}</h1>
        {form.description && <p>{form.description}</p>}
        <p className="muted small">
          {form.target ? (
            <>
              Predicts <strong>{form.target}</strong>.{' '}
            </>
          ) : null}
          Pre-filled with a row of the training data: change any value and predict.
        </p>
      </div>
      <div className="predict-layout">
        <form className="card predict-form" onSubmit={submit} aria-label="Inputs">
          {form.fields.map((field) => (
            <FieldInput key={field.name} field={field} value={values[field.name] ?? ''} issue={issueOf(field.name)} onChange={(value) => set(field.name, value)} />
          ))}
          {outcome?.kind === 'invalid' && (
            <div className="error" role="alert">
              <p>
                {outcome.message}
                {issues.length > generalIssues.length && ' — the fields marked above say what to change.'}
              </p>
              {generalIssues.length > 0 && (
                <ul>
                  {generalIssues.map((issue, index) => (
                    <li key={index}>
                      {issue.field ? `${issue.field}: ` : ''}
                      {issue.message}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
          <div className="actions">
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setValues(valuesFrom(form, form.example));
                setOutcome(null);
              }}
            >
              Reset to the example
            </button>
            <button type="submit" disabled={busy} aria-busy={busy}>
              {busy ? 'Predicting…' : 'Predict'}
            </button>
          </div>
        </form>
        <section className="card result" aria-labelledby="result-title" aria-live="polite">
          <h2 id="result-title">Prediction</h2>
          {!outcome && <p className="muted">Submit the form to see what the model predicts.</p>}
          {outcome?.kind === 'invalid' && <p className="muted">Fix the inputs marked in the form.</p>}
          {outcome?.kind === 'error' && (
            <div role="alert">
              <p className="error">{outcome.message}</p>
              {outcome.signIn && (
                <p>
                  <a href={`/login?next=${encodeURIComponent(`/d/${slug}`)}`}>Sign in</a> to use this model.
                </p>
              )}
            </div>
          )}
          {outcome?.kind === 'prediction' && <PredictionResult form={form} response={outcome.response} />}
        </section>
      </div>
    </>
  );
}

function PredictionResult({ form, response }: { form: PredictForm; response: PredictResponse }) {
  const [first] = response.predictions;
  if (!first) return <p className="muted">The model returned no prediction.</p>;
  const value = typeof first.prediction === 'number' ? formatNumber(first.prediction) : String(first.prediction);
  return (
    <>
      <p className="prediction-value" data-testid="prediction">
        {form.target && <span className="muted">{form.target}: </span>}
        <strong>{value}</strong>
      </p>
      {first.probabilities && <ProbabilityChart probabilities={first.probabilities} predicted={String(first.prediction)} />}
      {response.warnings && response.warnings.length > 0 && (
        <div className="warnings">
          <p>The model worked around some inputs:</p>
          <ul>
            {response.warnings.map((warning, index) => (
              <li key={index}>
                {warning.field ? `${warning.field}: ` : ''}
                {warning.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <p className="muted small">
        Model {response.model.name}, version {response.version} · request <code>{response.requestId}</code>
      </p>
    </>
  );
}

function FieldInput({ field, value, issue, onChange }: { field: FormField; value: string | boolean; issue?: string; onChange: (value: string | boolean) => void }) {
  // Feature names hold spaces and brackets: not usable as ids.
  const id = useId();
  const hintId = `${id}-hint`;
  const issueId = `${id}-issue`;
  const optional = field.nullable || !field.required;
  // The training range, when the document gives it; otherwise the example value says enough.
  const hint =
    field.minimum !== null && field.maximum !== null
      ? `Seen in training: ${formatNumber(field.minimum)} to ${formatNumber(field.maximum)}`
      : field.kind === 'integer'
        ? 'A whole number'
        : null;
  const describedBy = [issue ? issueId : null, hint ? hintId : null].filter(Boolean).join(' ') || undefined;

  if (field.kind === 'boolean') {
    return (
      <div className="field">
        <label className="checkbox">
          <input id={id} type="checkbox" checked={value === true} onChange={(event) => onChange(event.target.checked)} aria-invalid={issue ? true : undefined} aria-describedby={issue ? issueId : undefined} />
          {field.name}
        </label>
        {issue && (
          <span className="field-error" id={issueId}>
            {issue}
          </span>
        )}
      </div>
    );
  }

  const text = typeof value === 'string' ? value : '';
  const common = {
    id,
    'aria-invalid': issue ? true : undefined,
    'aria-describedby': describedBy,
  } as const;
  let input;
  if (field.kind === 'string' && field.categories) {
    const choices = text && !field.categories.includes(text) ? [...field.categories, text] : field.categories;
    input = (
      <select {...common} value={text} onChange={(event) => onChange(event.target.value)} required={!optional}>
        <option value="">{optional ? '(missing)' : 'Choose…'}</option>
        {choices.map((choice) => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === 'number' || field.kind === 'integer') {
    input = (
      <input {...common} type="number" inputMode="decimal" step={field.kind === 'integer' ? 1 : 'any'} value={text} onChange={(event) => onChange(event.target.value)} required={!optional} />
    );
  } else {
    input = <input {...common} type="text" value={text} onChange={(event) => onChange(event.target.value)} required={!optional} />;
  }

  return (
    <div className="field">
      <label htmlFor={id}>
        {field.name}
        {optional && <span className="muted small"> (optional)</span>}
      </label>
      {input}
      {issue && (
        <span className="field-error" id={issueId}>
          {issue}
        </span>
      )}
      {hint && (
        <span className="hint" id={hintId}>
          {hint}
        </span>
      )}
    </div>
  );
}
