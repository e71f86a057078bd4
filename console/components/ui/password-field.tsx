'use client';

import { PasswordInput, type PasswordInputProps } from '@mantine/core';
import { useId } from 'react';

/**
 * Mantine's PasswordInput without its accessibility gaps: it neither marks the input invalid nor
 * points it at its description and error, so a screen reader would not hear why the field was
 * refused. The visibility toggle is named like the login page's.
 */
export function PasswordField({ id: given, error, description, ...props }: PasswordInputProps) {
  const generated = useId();
  const id = given ?? generated;
  const describedBy = [description ? `${id}-description` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <PasswordInput
      id={id}
      error={error}
      description={description}
      aria-invalid={error ? true : undefined}
      aria-describedby={describedBy}
      visibilityToggleButtonProps={{ 'aria-label': 'Show or hide the characters' }}
      {...props}
    />
  );
}
