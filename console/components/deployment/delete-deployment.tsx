'use client';

import { Button, Code, Text, TextInput } from '@mantine/core';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useMutation } from 'urql';
import { DeleteDeploymentMutation } from '../../lib/operations/deployment';
import { messageOf } from '../../lib/errors';
import { ConfirmDialog } from '../confirm-dialog';

/** The Delete button of a deployment's page: after deletion, back to the project. */
export function DeleteDeployment({ id, slug, name, projectId }: { id: string; slug: string; name: string; projectId: string }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button color="red" variant="outline" onClick={() => setOpen(true)}>
        Delete
      </Button>
      <DeleteDeploymentDialog
        open={open}
        id={id}
        slug={slug}
        name={name}
        onClose={() => setOpen(false)}
        // The project page refetches its list when it opens; refreshing this page's query now would
        // only show "does not exist" while leaving it.
        onDeleted={() => router.push(`/projects/${projectId}`)}
      />
    </>
  );
}

/** Deletion, confirmed by typing the slug (the API checks it too): from the page or from the list's row menu. */
export function DeleteDeploymentDialog({ open, id, slug, name, onClose, onDeleted }: { open: boolean; id: string; slug: string; name: string; onClose: () => void; onDeleted: () => void }) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [deleted, setDeleted] = useState(false);
  const [{ fetching }, remove] = useMutation(DeleteDeploymentMutation);

  async function confirm() {
    setError(null);
    const result = await remove({ id, confirm: typed.trim() });
    if (result.error) {
      setError(messageOf(result.error));
      return;
    }
    setDeleted(true);
    onDeleted();
  }

  return (
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
      onCancel={() => {
        setTyped('');
        setError(null);
        onClose();
      }}
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
  );
}
