'use client';

import { Button, CopyButton as MantineCopyButton } from '@mantine/core';

/** A button that copies `text` and says so for a moment (announced to screen readers too). */
export function CopyButton({ text, label = 'Copy', className }: { text: string; label?: string; className?: string }) {
  return (
    <MantineCopyButton value={text} timeout={2000}>
      {({ copied, copy }) => (
        <Button variant={copied ? 'light' : 'default'} color={copied ? 'teal' : undefined} size="xs" onClick={copy} className={className}>
          <span aria-live="polite">{copied ? 'Copied' : label}</span>
        </Button>
      )}
    </MantineCopyButton>
  );
}
