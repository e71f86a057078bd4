'use client';

import { Alert, Button, Group, Text, TextInput } from '@mantine/core';
import type { ReactNode } from 'react';
import { CopyButton } from './copy-button';

/**
 * A secret the server answers once (an API key, a personal access token): shown in a read-only
 * field that selects itself, with a copy button and a button that puts it away for good.
 * Berth stores only a hash, so this is the only time anyone sees it.
 */
export function SecretOnce({
  title,
  secret,
  fieldLabel,
  copyLabel,
  dismissLabel,
  onDismiss,
  testId,
  children,
}: {
  /** The region's name: what was created. */
  title: string;
  secret: string;
  /** The field's accessible name ("The new API key"). */
  fieldLabel: string;
  copyLabel: string;
  dismissLabel: string;
  onDismiss: () => void;
  testId?: string;
  /** What to do now, in words; defaults to the sentence every secret shares. */
  children?: ReactNode;
}) {
  return (
    <Alert color="yellow" variant="light" role="region" aria-label={title} title={title} mb="md">
      <Text size="sm" role="alert">
        {children ?? 'Copy it now and keep it somewhere safe: it is shown only this once. Berth stores only a hash and cannot show it again.'}
      </Text>
      <Group gap="xs" mt="sm" wrap="nowrap">
        <TextInput
          readOnly
          value={secret}
          aria-label={fieldLabel}
          data-testid={testId}
          onFocus={(event) => event.currentTarget.select()}
          spellCheck={false}
          style={{ flex: 1, minWidth: 0 }}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        />
        <CopyButton text={secret} label={copyLabel} />
      </Group>
      <Button variant="default" size="xs" mt="sm" onClick={onDismiss}>
        {dismissLabel}
      </Button>
    </Alert>
  );
}
