'use client';

import { Button, Code, Text, TextInput } from '@mantine/core';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useMutation } from 'urql';
import { DeleteDeploymentMutation } from '../../lib/operations/deployment';
import { messageOf } from '../../lib/errors';
import { ConfirmDialog } from '../confirm-dialog';

/** Deletion, confirmed by typing the slug (the API checks it too); then back to the project. */
export function DeleteDeployment({ id, slug, name, projectId }: { id: string; slug: string; name: string; projectId: string }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [deleted, setDeleted] = useState(false);
  const [{ fetching }, remove] = useMutation(DeleteDeploymentMutation);

  async function confirm() {
    setError(null);
    // The project page refetches its list when it opens; refreshing this page's query now would
    // only show "does not exist" while leaving it.
    const result = await remove({ id, confirm: typed.trim() });
    if (result.error) {
      setError(messageOf(result.error));
      return;
    }
    setDeleted(true);
    router.push(`/projects/${projectId}`);
  }

  return (
    <>
      <Button
        color="red"
        variant="outline"
        onClick={() => {
          setTyped('');
          setError(null);
          setOpen(true);
        }}
      >
        Delete
      </Button>
      <ConfirmDialog
        open={open}
        title={`Delete ${name}?`}
        confirmLabel="Delete deployment"
        busyLabel="Deleting…"
        danger
        busy={fetching || deleted}
        canConfirm={typed.trim() === slug}
        error={error}
        onConfirm={confirm}
        onCancel={() => setOpen(false)}
      >
        <Text size="sm">
          This unloads its models, revokes its API keys and removes its monitoring data. Its URL stops answering. The experiments and their models stay.
        </Text>
        <TextInput
          mt="md"
          label={
            <>
              Type <Code>{slug}</Code> to confirm
            </>
          }
          value={typed}
          onChange={(event) => setTyped(event.currentTarget.value)}
          autoComplete="off"
          spellCheck={false}
          data-autofocus
        />
      </ConfirmDialog>
    </>
  );
}
