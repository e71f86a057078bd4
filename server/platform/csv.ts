/** One CSV line: quoted where needed, null and undefined as empty cells. */
export function csvLine(values: unknown[]): string {
  return (
    values
      .map((value) => {
        if (value === null || value === undefined) return '';
        const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
        return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
      })
      .join(',') + '\n'
  );
}
