import { Paper, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** What an empty list says: what is missing, and how to add the first one. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Paper withBorder p="md" radius="md" style={{ borderStyle: 'dashed' }}>
      <Text fw={600}>{title}</Text>
      {children && (
        <Text size="sm" c="dimmed" mt={4}>
          {children}
        </Text>
      )}
    </Paper>
  );
}
