import { createTheme, InputWrapper, TableScrollContainer, type CSSVariablesResolver } from '@mantine/core';

/** The console's Mantine theme: one accent colour, system fonts, slightly rounder corners. */
export const theme = createTheme({
  primaryColor: 'indigo',
  // WCAG AA: white on the default shade 6 (#4c6ef5) is 4.3:1; on shade 8, 5.7:1. The same goes
  // for every filled colour (the red of a Delete button: 3.3:1 on shade 6, 4.5:1 on shade 8).
  primaryShade: { light: 8, dark: 8 },
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  headings: { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
  cursorType: 'pointer',
  components: {
    // Most fields are required: the few optional ones say so in their description instead of
    // every label carrying an asterisk (which would also become part of its accessible name).
    InputWrapper: InputWrapper.extend({ defaultProps: { withAsterisk: false } }),
    // A table wider than a phone scrolls sideways in its box: the keyboard must reach it too
    // (WCAG 2.1.1; axe's scrollable-region-focusable).
    TableScrollContainer: TableScrollContainer.extend({ defaultProps: { tabIndex: 0 } }),
  },
});

/**
 * Text colours dark enough for WCAG AA (4.5:1) on white and on the tinted backgrounds of light
 * badges and alerts, in the light scheme: Mantine's defaults (shade 6) measure 1.9:1 (yellow) to
 * 3.3:1 (dimmed gray). Each is the colour's shade 9, or darker where even that is not enough.
 */
const LIGHT_TEXT: Record<string, string> = {
  indigo: '#364fc7',
  blue: '#1864ab',
  red: '#c92a2a',
  teal: '#066649',
  green: '#22702f',
  yellow: '#7a4d00',
  orange: '#a63a0a',
  gray: '#495057',
  cyan: '#0b7285',
  grape: '#862e9c',
  violet: '#5f3dc4',
  pink: '#a61e4d',
  lime: '#4b6b12',
};

export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    // White on a filled badge: teal shade 8 is 3.9:1, shade 9 5.0:1; green 9 is 4.4:1.
    '--mantine-color-teal-filled': '#087f5b',
    '--mantine-color-green-filled': '#237032',
    '--mantine-color-orange-filled': '#b8440b',
    // Mantine's dimmed text is gray 6, #868e96: 3.3:1 on white.
    '--mantine-color-dimmed': '#5c636a',
    // Placeholders are hints, but they are read: 4.5:1 too.
    '--mantine-color-placeholder': '#6b7178',
    ...Object.fromEntries(Object.entries(LIGHT_TEXT).flatMap(([color, text]) => [
      [`--mantine-color-${color}-text`, text],
      [`--mantine-color-${color}-light-color`, text],
      [`--mantine-color-${color}-outline`, text],
    ])),
  },
  dark: {},
});
