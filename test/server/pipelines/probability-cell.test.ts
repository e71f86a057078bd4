import { describe, expect, it } from 'vitest';
import { probabilityCell } from '../../../server/pipelines/csv-writer';

describe('probabilityCell', () => {
  it('writes at most 9 decimals, without trailing zeros, within 5e-10 of the value', () => {
    expect(probabilityCell(0.25)).toBe('0.25');
    expect(probabilityCell(0.1234567894)).toBe('0.123456789');
    expect(probabilityCell(0.0000000126)).toBe('0.000000013');
    expect(probabilityCell(0)).toBe('0');
    expect(probabilityCell(1e-12)).toBe('0');
    expect(probabilityCell(1)).toBe('1');
    expect(probabilityCell(0.9999999996)).toBe('1');
    for (let i = 0; i < 1000; i++) {
      const p = Math.random();
      expect(Math.abs(Number(probabilityCell(p)) - p)).toBeLessThanOrEqual(5e-10 + 1e-16);
    }
  });

  it('leaves a missing probability empty', () => {
    expect(probabilityCell(undefined)).toBe('');
    expect(probabilityCell(Number.NaN)).toBe('');
  });
});
