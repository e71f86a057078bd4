import cronstrue from 'cronstrue';

/** The cron in words while typing; the server has the last word. */
export function describeCron(cron: string): { text: string; ok: boolean } {
  const trimmed = cron.trim();
  if (!trimmed) return { text: '', ok: false };
  if (trimmed.split(/\s+/).length !== 5) return { text: 'A cron has 5 fields: minute hour day-of-month month day-of-week', ok: false };
  try {
    return { text: cronstrue.toString(trimmed, { use24HourTimeFormat: true, throwExceptionOnParseError: true }), ok: true };
  } catch (error) {
    return { text: String(error instanceof Error ? error.message : error), ok: false };
  }
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function timeZones(): string[] {
  try {
    const zones = Intl.supportedValuesOf('timeZone');
    return zones.includes('UTC') ? zones : ['UTC', ...zones];
  } catch {
    return ['UTC'];
  }
}

export const CRON_PRESETS = [
  { cron: '0 * * * *', label: 'Hourly' },
  { cron: '0 6 * * *', label: 'Daily at 06:00' },
  { cron: '0 6 * * 1', label: 'Mondays at 06:00' },
  { cron: '0 0 1 * *', label: 'Monthly' },
];
