import { Paper, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** A titled block of a page (a landmark region named by its title), on a bordered card. */
export function SectionCard({ id, title, description, actions, children }: { id: string; title: string; description?: ReactNode; actions?: ReactNode; children: ReactNode }) {
  return (
    <Paper component="section" withBorder p={{ base: 'sm', sm: 'md' }} aria-labelledby={id} style={{ minWidth: 0 }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: 'var(--mantine-spacing-xs)', flexWrap: 'wrap', alignItems: 'baseline' }}>
        <Title order={3} size="h4" id={id}>
          {title}
        </Title>
        {actions}
      </div>
      {description && (
        <Text size="sm" c="dimmed" mt={4}>
          {description}
        </Text>
      )}
      <div style={{ marginTop: 'var(--mantine-spacing-sm)' }}>{children}</div>
    </Paper>
  );
}

/** Label/value pairs (a description list) laid out in two columns that stack on a phone. */
export function Details({ children }: { children: ReactNode }) {
  return <dl className="details">{children}</dl>;
}
