import { createTheme, InputWrapper } from '@mantine/core';

/** The console's Mantine theme: one accent colour, system fonts, slightly rounder corners. */
export const theme = createTheme({
  primaryColor: 'indigo',
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  headings: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
  cursorType: 'pointer',
  components: {
    // Most fields are required: the few optional ones say so in their description instead of
    // every label carrying an asterisk (which would also become part of its accessible name).
    InputWrapper: InputWrapper.extend({ defaultProps: { withAsterisk: false } }),
  },
});
