'use client';

import { Button, Group, Modal, Text } from '@mantine/core';
import type { FormEvent, ReactNode } from 'react';

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
