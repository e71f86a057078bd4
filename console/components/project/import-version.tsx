'use client';

import { Alert, Button, Checkbox, Code, Group, Input, List, Paper, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useClient, useMutation } from 'urql';
import { ImportExperimentVersionMutation, ModelContractProposalQuery, type DatasetData } from '../../lib/operations/account';
import type { ExperimentData } from '../../lib/operations/deployment';
import { fieldOf, messageOf } from '../../lib/errors';
import { formatMetric, METRICS_OF_TASK } from '../../lib/format';
import { InlineError } from '../error-message';
import { uploadCsv } from './train-version';

interface ModelUpload {
  id: string;
  format: string;
  /** ONNX: the inputs and outputs the file declares. */
  signature?: Signature | null;
}

interface Tensor {
  name: string;
  type?: string;
  shape?: Array<number | string | null>;
}

interface Signature {
  inputs?: Tensor[];
  outputs?: Tensor[];
}

/** What an ONNX import waits on: the user's look at the proposed contract. */
interface Proposal {
  upload: ModelUpload;
  dataset: DatasetData;
  modelName: string | null;
  signature: Signature | null;
  problems: string[];
}

/** Uploads the model to the REST route: an .onnx file, or model.json and its weight files (one `files` field each). */
async function uploadModelFiles(projectId: string, files: File[]): Promise<ModelUpload> {
  const form = new FormData();
  for (const file of files) form.append('files', file, file.name);
  const response = await fetch(`/api/v1/projects/${encodeURIComponent(projectId)}/model-uploads`, { method: 'POST', body: form, credentials: 'same-origin' });
  const body = (await response.json().catch(() => null)) as (ModelUpload & { error?: string }) | null;
  if (!response.ok || !body) throw new Error(body?.error ?? `Upload failed (HTTP ${response.status})`);
  return body;
}

const shapeOf = (tensor: Tensor) => `${tensor.type ?? '?'} [${(tensor.shape ?? []).map((dim) => dim ?? '?').join(', ')}]`;

/**
 * "Import a model": a TF.js Layers model (model.json and its weights) or an ONNX file, with a
 * reference CSV, becomes a new version of the experiment. For ONNX the server proposes how the
 * CSV's features map to the model's inputs and outputs (the contract), shown for confirmation
 * or editing first; the server then checks the model on every reference row and says what does
 * not fit, naming the contract's field.
 */
export function ImportVersion({ projectId, experiment, onChanged, onClose }: { projectId: string; experiment: ExperimentData; onChanged: () => void; onClose: () => void }) {
  const ids = useId();
  const client = useClient();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [contractError, setContractError] = useState<string | null>(null);
  const [proposal, setProposal] = useState<Proposal | null>(null);
  const [contractText, setContractText] = useState('');
  const [acceptLabelOrder, setAcceptLabelOrder] = useState(false);
  const [versionId, setVersionId] = useState<string | null>(null);
  const [, importVersion] = useMutation(ImportExperimentVersionMutation);
  const version = versionId ? experiment.versions.find((candidate) => candidate.id === versionId) : undefined;
  const done = version !== undefined && version.status !== 'training';

  // The imported version is checked in the background: follow it until it is ready or failed.
  useEffect(() => {
    if (!versionId || done) return;
    const timer = setInterval(onChanged, 1000);
    return () => clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [versionId, done]);

  async function runImport(upload: ModelUpload, dataset: DatasetData, modelName: string | null, contract?: Record<string, unknown>) {
    setBusy('Importing…');
    const result = await importVersion({
      input: { experimentId: experiment.id, datasetId: dataset.id, modelUploadId: upload.id, modelName, ...(contract ? { contract, acceptLabelOrder } : {}) },
    });
    if (result.error || !result.data) {
      const message = result.error ? messageOf(result.error) : 'No answer from the server';
      const field = result.error ? fieldOf(result.error) : null;
      // "contract.output.labels: …" belongs by the contract; the rest (CSV, model) below the form.
      if (contract && (field?.startsWith('contract') || field === 'acceptLabelOrder')) setContractError(message);
      else setError(message);
      return;
    }
    setVersionId(result.data.importExperimentVersion.id);
    setProposal(null);
    onChanged();
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const modelFiles = form.getAll('files').filter((file): file is File => file instanceof File && file.size > 0);
    const csv = form.get('csv');
    const modelName = String(form.get('modelName') ?? '').trim() || null;
    const onnx = modelFiles.some((file) => file.name.toLowerCase().endsWith('.onnx'));
    if (!onnx && !modelFiles.some((file) => file.name.endsWith('.json'))) {
      setError('Choose an .onnx file, or model.json and its weight files');
      return;
    }
    if (!(csv instanceof File) || csv.size === 0) {
      setError('Choose the reference CSV');
      return;
    }
    setError(null);
    setContractError(null);
    try {
      setBusy('Uploading the model…');
      const upload = await uploadModelFiles(projectId, modelFiles);
      setBusy('Uploading the CSV…');
      const dataset = await uploadCsv(projectId, csv);
      if (upload.format !== 'onnx') {
        await runImport(upload, dataset, modelName);
        return;
      }
      setBusy('Reading the model…');
      const answer = await client.query(ModelContractProposalQuery, { experimentId: experiment.id, datasetId: dataset.id, modelUploadId: upload.id }, { requestPolicy: 'network-only' }).toPromise();
      if (answer.error || !answer.data) throw new Error(answer.error ? messageOf(answer.error) : 'No answer from the server');
      const proposed = answer.data.modelContractProposal;
      setProposal({ upload, dataset, modelName, signature: (proposed.signature as Signature | null) ?? upload.signature ?? null, problems: proposed.problems });
      setContractText(proposed.contract ? JSON.stringify(proposed.contract, null, 2) : '');
      setAcceptLabelOrder(false);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(null);
    }
  }

  async function confirmContract(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!proposal) return;
    setError(null);
    setContractError(null);
    let contract: unknown;
    try {
      contract = JSON.parse(contractText);
    } catch (caught) {
      setContractError(`contract: not valid JSON (${(caught as Error).message})`);
      return;
    }
    if (typeof contract !== 'object' || contract === null || Array.isArray(contract)) {
      setContractError('contract: must be a JSON object with "input" and "output"');
      return;
    }
    try {
      await runImport(proposal.upload, proposal.dataset, proposal.modelName, contract as Record<string, unknown>);
    } finally {
      setBusy(null);
    }
  }

  return (
    <Paper component="section" withBorder p="md" mt="sm" bg="var(--mantine-color-default-hover)" aria-label={`Import a model into ${experiment.name}`}>
      <Group justify="space-between" mb="xs">
        <Title order={4} size="h5">
          Import a model
        </Title>
        <Button variant="default" size="xs" onClick={onClose}>
          {versionId ? 'Close' : 'Cancel'}
        </Button>
      </Group>
      {versionId ? (
        <Stack gap="xs">
          <Text role="status" size="sm">
            {version ? `Version ${version.number}: ${version.status}` : 'Imported; loading the new version…'}
            {version?.status === 'failed' && version.failureReason ? ` — ${version.failureReason}` : ''}
          </Text>
          {version?.status === 'ready' && <ReferenceMetrics experiment={experiment} version={version} />}
        </Stack>
      ) : proposal ? (
        <form onSubmit={confirmContract} aria-label="Model contract">
          <Stack gap="sm">
            <Text size="sm">
              How the columns of the reference CSV reach the model&apos;s inputs, and how its outputs read as predictions. Berth proposes it from the file&apos;s signature: check it,
              edit it if needed, then import. Every reference row runs through the model before the version is ready.
            </Text>
            {proposal.signature && (
              <div data-testid="model-signature">
                <Text size="sm" fw={600}>
                  The file declares
                </Text>
                <List size="sm" spacing={0}>
                  {(proposal.signature.inputs ?? []).map((tensor) => (
                    <List.Item key={`in-${tensor.name}`}>
                      input <Code>{tensor.name}</Code> {shapeOf(tensor)}
                    </List.Item>
                  ))}
                  {(proposal.signature.outputs ?? []).map((tensor) => (
                    <List.Item key={`out-${tensor.name}`}>
                      output <Code>{tensor.name}</Code> {shapeOf(tensor)}
                    </List.Item>
                  ))}
                </List>
              </div>
            )}
            {proposal.problems.length > 0 && (
              <Alert color="orange" variant="light" p="xs" title="To check before importing" data-testid="contract-problems">
                <List size="sm">
                  {proposal.problems.map((problem, index) => (
                    <List.Item key={index}>{problem}</List.Item>
                  ))}
                </List>
              </Alert>
            )}
            <Textarea
              label="Contract (JSON)"
              description='{"input": {"kind": "features" | "matrix" | "berth", …}, "output": {"kind": "probabilities" | "value" | "berth", …}}: see README "Bring your own model"'
              value={contractText}
              onChange={(event) => setContractText(event.currentTarget.value)}
              autosize
              minRows={6}
              maxRows={24}
              spellCheck={false}
              required
              error={contractError}
              inputWrapperOrder={['label', 'description', 'input', 'error']}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 'var(--mantine-font-size-xs)' } }}
            />
            <Checkbox
              label="Import even if another label order fits the reference data better"
              description="Only when you know the model's class order is the one in the contract"
              checked={acceptLabelOrder}
              onChange={(event) => setAcceptLabelOrder(event.currentTarget.checked)}
            />
            <Group>
              <Button type="submit" disabled={busy !== null} aria-busy={busy !== null}>
                {busy ?? 'Import with this contract'}
              </Button>
              <Button variant="default" onClick={() => setProposal(null)} disabled={busy !== null}>
                Back
              </Button>
            </Group>
          </Stack>
        </form>
      ) : (
        <form onSubmit={submit}>
          <Stack gap="sm">
            <Text size="sm" c="dimmed">
              An ONNX file (scikit-learn, PyTorch…), or a TF.js Layers model: <Code>model.json</Code> and the weight files it names. The reference CSV holds the columns of{' '}
              <strong>{experiment.name}</strong>, target included: it gives the features, the model&apos;s reference metrics, and the data drift is measured against.
            </Text>
            <Input.Wrapper label="Model files" description=".onnx, or model.json and its weight files" labelElement="label" id={`${ids}-files`} required inputWrapperOrder={['label', 'input', 'description']}>
              <input id={`${ids}-files`} className="file-input" name="files" type="file" multiple accept=".onnx,.json,.bin,application/json,application/octet-stream" required />
            </Input.Wrapper>
            <Input.Wrapper label="Reference CSV" id={`${ids}-csv`} required>
              <input id={`${ids}-csv`} className="file-input" name="csv" type="file" accept=".csv,text/csv" required />
            </Input.Wrapper>
            <TextInput label="Model name" description="Optional" name="modelName" maxLength={100} autoComplete="off" />
            <Group>
              <Button type="submit" disabled={busy !== null} aria-busy={busy !== null}>
                {busy ?? 'Import'}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
      <InlineError>{error}</InlineError>
    </Paper>
  );
}

/** The imported model's metrics on the labelled reference rows: how well it does on this data. */
function ReferenceMetrics({ experiment, version }: { experiment: ExperimentData; version: ExperimentData['versions'][number] }) {
  const metrics = METRICS_OF_TASK[experiment.task];
  return (
    <Stack gap={4} data-testid="reference-metrics">
      {version.models.map((model) => (
        <Text key={model.id} size="sm">
          <strong>{model.name}</strong> on the reference rows:{' '}
          {metrics
            .filter((metric) => model.metrics?.[metric.name] !== null && model.metrics?.[metric.name] !== undefined)
            .map((metric) => `${metric.label} ${formatMetric(model.metrics?.[metric.name])}`)
            .join(' · ') || 'no metrics'}
        </Text>
      ))}
    </Stack>
  );
}
