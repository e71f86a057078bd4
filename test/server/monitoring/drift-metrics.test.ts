import { describe, expect, it } from 'vitest';
import { DRIFT_METRICS } from '../../../server/monitoring/drift/metrics';

/** What every drift metric must do, whichever it is: run on each entry of DRIFT_METRICS. */
describe.each(DRIFT_METRICS.map((metric) => [metric.name, metric] as const))('drift metric %s', (_, metric) => {
  const layout = { positions: [0, 1, 2, 3, 4], scale: 1 };
  const reference = [10, 20, 40, 20, 10];

  it('scores identical shares 0, whatever the row counts', () => {
    expect(metric.score(reference, reference, layout)).toBeCloseTo(0, 12);
    expect(metric.score(reference, reference.map((n) => n * 7), layout)).toBeCloseTo(0, 12);
  });

  it('grows as the live distribution moves away from the reference', () => {
    const near = metric.score(reference, [8, 18, 40, 22, 12], layout);
    const far = metric.score(reference, [2, 8, 30, 35, 25], layout);
    expect(near).toBeGreaterThan(0);
    expect(far).toBeGreaterThan(near);
  });

  it('refuses to compare a side without rows or bins that do not line up', () => {
    expect(() => metric.score(reference, [0, 0, 0, 0, 0], layout)).toThrow(RangeError);
    expect(() => metric.score(reference, [1, 2, 3], layout)).toThrow(RangeError);
  });

  it(metric.numericOnly ? 'needs the positions of numeric bins' : 'needs no positions (categories have no order)', () => {
    if (metric.numericOnly) expect(() => metric.score(reference, reference)).toThrow(RangeError);
    else expect(metric.score(reference, [8, 18, 40, 22, 12])).toBe(metric.score(reference, [8, 18, 40, 22, 12], layout));
  });

  it('names a unit for people reading a verdict', () => {
    expect(metric.unit.length).toBeGreaterThan(5);
  });
});
