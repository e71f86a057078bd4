'use client';

import { Button, CopyButton as MantineCopyButton } from '@mantine/core';

/** A button that copies `text` and says so for a moment (announced to screen readers too). */
export function CopyButton({ text, label = 'Copy', name, className }: { text: string; label?: string; /** What a screen reader hears when the visible label is short ("Copy the curl example"). */ name?: string; className?: string }) {
  return (
    <MantineCopyButton value={text} timeout={2000}>
      {({ copied, copy }) => (
        <Button variant={copied ? 'light' : 'default'} color={copied ? 'teal' : undefined} size="xs" onClick={copy} className={className} aria-label={name && !copied ? name : undefined}>
          <span aria-live="polite">{copied ? 'Copied' : label}</span>
        </Button>
      )}
    </MantineCopyButton>
  );
}
