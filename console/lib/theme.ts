import { createTheme } from '@mantine/core';

/** The console's Mantine theme: one accent colour, system fonts, slightly rounder corners. */
export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  headings: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
  cursorType: 'pointer',
});
