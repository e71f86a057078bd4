'use client';

import { Button, Code, Group, Input, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { ImportExperimentVersionMutation } from '../../lib/operations/account';
import type { ExperimentData } from '../../lib/operations/deployment';
import { messageOf } from '../../lib/errors';
import { InlineError } from '../error-message';
import { uploadCsv } from './train-version';

interface ModelUpload {
  id: string;
  format: string;
  inputWidth: number;
  outputWidth: number;
}

/** Uploads model.json and its weight files to the REST route: multipart, one `files` field each. */
async function uploadModelFiles(projectId: string, files: File[]): Promise<ModelUpload> {
  const form = new FormData();
  for (const file of files) form.append('files', file, file.name);
  const response = await fetch(`/api/v1/projects/${encodeURIComponent(projectId)}/model-uploads`, { method: 'POST', body: form, credentials: 'same-origin' });
  const body = (await response.json().catch(() => null)) as (ModelUpload & { error?: string }) | null;
  if (!response.ok || !body) throw new Error(body?.error ?? `Upload failed (HTTP ${response.status})`);
  return body;
}

/**
 * "Import TF.js model": model.json with its weight files and a reference CSV become a new
 * version of the experiment; the server checks them and says what does not fit.
 */
export function ImportVersion({ projectId, experiment, onChanged, onClose }: { projectId: string; experiment: ExperimentData; onChanged: () => void; onClose: () => void }) {
  const ids = useId();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
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

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const modelFiles = form.getAll('files').filter((file): file is File => file instanceof File && file.size > 0);
    const csv = form.get('csv');
    const modelName = String(form.get('modelName') ?? '').trim();
    if (!modelFiles.some((file) => file.name.endsWith('.json'))) {
      setError('Choose model.json and its weight files');
      return;
    }
    if (!(csv instanceof File) || csv.size === 0) {
      setError('Choose the reference CSV');
      return;
    }
    setError(null);
    try {
      setBusy('Uploading the model…');
      const upload = await uploadModelFiles(projectId, modelFiles);
      setBusy('Uploading the CSV…');
      const dataset = await uploadCsv(projectId, csv);
      setBusy('Importing…');
      const result = await importVersion({ input: { experimentId: experiment.id, datasetId: dataset.id, modelUploadId: upload.id, modelName: modelName || null } });
      if (result.error || !result.data) throw new Error(result.error ? messageOf(result.error) : 'No answer from the server');
      setVersionId(result.data.importExperimentVersion.id);
      onChanged();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(null);
    }
  }

  return (
    <Paper component="section" withBorder p="md" mt="sm" bg="var(--mantine-color-default-hover)" aria-label={`Import a TF.js model into ${experiment.name}`}>
      <Group justify="space-between" mb="xs">
        <Title order={4} size="h5">
          Import TF.js model
        </Title>
        <Button variant="default" size="xs" onClick={onClose}>
          {versionId ? 'Close' : 'Cancel'}
        </Button>
      </Group>
      {versionId ? (
        <Text role="status" size="sm">
          {version ? `Version ${version.number}: ${version.status}` : 'Imported; loading the new version…'}
          {version?.status === 'failed' && version.failureReason ? ` — ${version.failureReason}` : ''}
        </Text>
      ) : (
        <form onSubmit={submit}>
<Stack gap="sm">
          <Text size="sm" c="dimmed">
            A Layers model saved by TF.js: <Code>model.json</Code> and the weight files it names. The reference CSV holds the columns of <strong>{experiment.name}</strong>, target
            included: it gives the features, their encoding and the data drift is measured against.
          </Text>
          <Input.Wrapper label="model.json and weight files" labelElement="label" id={`${ids}-files`} required>
            <input id={`${ids}-files`} className="file-input" name="files" type="file" multiple accept=".json,.bin,application/json,application/octet-stream" required />
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
