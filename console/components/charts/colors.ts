/** Colours readable on the light and the dark theme. */
export const CHART_COLORS = ['#3b82f6', '#f97316', '#10b981', '#a855f7', '#ef4444', '#eab308', '#14b8a6', '#ec4899', '#64748b', '#84cc16'];
export const MAIN_COLOR = '#3b82f6';
export const CHALLENGER_COLOR = '#f97316';
export const REFERENCE_COLOR = '#94a3b8';
export const DANGER_COLOR = '#ef4444';
