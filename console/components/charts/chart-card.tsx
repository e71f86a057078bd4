'use client';

import { Center, Paper, Text, Title } from '@mantine/core';
import { useId, type ReactElement, type ReactNode } from 'react';
import { ResponsiveContainer } from 'recharts';

/** A titled chart of a fixed height that follows the width of its column. */
export function ChartCard({ title, description, height = 240, children, empty }: { title: string; description?: ReactNode; height?: number; children: ReactNode; empty?: ReactNode }) {
  const headingId = useId();
  return (
    <Paper component="figure" withBorder p="sm" m={0} aria-labelledby={headingId} style={{ minWidth: 0 }}>
      <figcaption>
        <Title order={4} size="h6" id={headingId}>
          {title}
        </Title>
        {description && <Text size="xs" c="dimmed">{description}</Text>}
      </figcaption>
      {empty ? (
        <Center c="dimmed" fz="sm" mt="xs" style={{ minHeight: Math.min(height, 160), border: '1px dashed var(--mantine-color-default-border)', borderRadius: 'var(--mantine-radius-sm)' }}>
          {empty}
        </Center>
      ) : (
        // Clipped, so that a chart still at its old width for the frame after the window narrows (its
        // size follows a ResizeObserver) never makes the page scroll sideways.
        <div className="chart-body" style={{ height, marginTop: 'var(--mantine-spacing-xs)', minWidth: 0, overflow: 'hidden' }}>
          <ResponsiveContainer width="100%" height="100%">
            {children as ReactElement}
          </ResponsiveContainer>
        </div>
      )}
    </Paper>
  );
}
