'use client';

import { Button, Group, Modal, Text } from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import type { CombinedError } from 'urql';
import { messageOf } from '../lib/errors';

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busyLabel?: string;
  danger?: boolean;
  busy?: boolean;
  /** False keeps the confirm button disabled, e.g. until a slug is typed. */
  canConfirm?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}

/**
 * A modal confirmation: focus moves into it and stays there, Escape cancels (unless the action
 * is under way), and focus returns to what opened it.
 */
export function ConfirmDialog({ open, title, children, confirmLabel, busyLabel, danger, busy, canConfirm = true, error, onConfirm, onCancel }: ConfirmDialogProps) {
  function submit(event: FormEvent) {
    event.preventDefault();
    if (canConfirm && !busy) onConfirm();
  }

  return (
    <Modal
      opened={open}
      onClose={() => {
        if (!busy) onCancel();
      }}
      title={title}
      centered
      closeOnClickOutside={!busy}
      closeOnEscape={!busy}
      withCloseButton={false}
      transitionProps={{ duration: 100 }}
      styles={{ title: { fontWeight: 600, fontSize: 'var(--mantine-font-size-lg)' } }}
    >
      <form onSubmit={submit}>
        <div>{children}</div>
        {error && (
          <Text size="sm" c="red" role="alert" mt="sm">
            {error}
          </Text>
        )}
        <Group justify="flex-end" mt="lg" gap="sm">
          <Button variant="default" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" color={danger ? 'red' : undefined} disabled={!canConfirm || busy} loading={busy} aria-busy={busy}>
            {busy ? (busyLabel ?? confirmLabel) : confirmLabel}
          </Button>
        </Group>
      </form>
    </Modal>
  );
}

interface ConfirmActionDialogProps<T> extends Omit<ConfirmDialogProps, 'open' | 'busy' | 'error' | 'onConfirm' | 'onCancel'> {
  /** What the action is about (a key, a token, a row); null: the dialog is closed. */
  subject: T | null;
  /** Runs the action, e.g. an urql mutation; an error keeps the dialog open and shows it. */
  action: (subject: T) => Promise<{ error?: CombinedError }>;
  /** The action is under way (the mutation's `fetching`). */
  busy: boolean;
  onDone: () => void;
  onClose: () => void;
}

/** A ConfirmDialog around one action on one subject: runs it, shows its error, closes when done. */
export function ConfirmActionDialog<T>({ subject, action, busy, onDone, onClose, ...dialog }: ConfirmActionDialogProps<T>) {
  const [error, setError] = useState<string | null>(null);

  async function confirm() {
    if (subject === null) return;
    setError(null);
    const result = await action(subject);
    if (result.error) setError(messageOf(result.error));
    else onDone();
  }

  return (
    <ConfirmDialog
      {...dialog}
      open={subject !== null}
      busy={busy}
      error={error}
      onConfirm={confirm}
      onCancel={() => {
        setError(null);
        onClose();
      }}
    />
  );
}
