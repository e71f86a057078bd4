import { describe, expect, it } from 'vitest';
import { aggregateRows, dailyRollups, dayOf, splitRange } from '../../../server/monitoring/log/rollups';
import { emptyPairSums } from '../../../server/monitoring/statistics';

const at = (iso: string) => new Date(iso);

describe('splitRange', () => {
  it('reads whole UTC days from the rollups and the hours before the first and after the last midnight', () => {
    expect(splitRange({ from: at('2026-11-20T07:00:00Z'), to: at('2026-11-24T15:00:00Z') })).toEqual({
      days: { from: at('2026-11-21T00:00:00Z'), to: at('2026-11-24T00:00:00Z') },
      hours: [
        { from: at('2026-11-20T07:00:00Z'), to: at('2026-11-21T00:00:00Z') },
        { from: at('2026-11-24T00:00:00Z'), to: at('2026-11-24T15:00:00Z') },
      ],
    });
  });

  it('needs no hours for a range of whole days, and no days for a range without a whole one', () => {
    expect(splitRange({ from: at('2026-11-20T00:00:00Z'), to: at('2026-11-22T00:00:00Z') })).toEqual({ days: { from: at('2026-11-20T00:00:00Z'), to: at('2026-11-22T00:00:00Z') }, hours: [] });
    const crossing = { from: at('2026-11-20T07:00:00Z'), to: at('2026-11-21T15:00:00Z') };
    expect(splitRange(crossing)).toEqual({ days: null, hours: [crossing] });
    const within = { from: at('2026-11-20T07:00:00Z'), to: at('2026-11-20T08:00:00Z') };
    expect(splitRange(within)).toEqual({ days: null, hours: [within] });
  });

  it('builds one select per part, the range bounds after the caller parameters', () => {
    const { sql, parameters } = aggregateRows('aggregate_counts', 'rows', 'deployment_id = $1', { from: at('2026-11-20T07:00:00Z'), to: at('2026-11-24T15:00:00Z') }, ['d']);
    expect(sql.match(/SELECT/g)).toHaveLength(3);
    expect(sql).toContain('FROM aggregate_counts_daily WHERE deployment_id = $1 AND day >= $2 AND day < $3');
    expect(parameters).toEqual(['d', at('2026-11-21T00:00:00Z'), at('2026-11-24T00:00:00Z'), at('2026-11-20T07:00:00Z'), at('2026-11-21T00:00:00Z'), at('2026-11-24T00:00:00Z'), at('2026-11-24T15:00:00Z')]);
    const hourly = aggregateRows('aggregate_counts', 'rows', 'deployment_id = $1', { from: at('2026-11-20T07:00:00Z'), to: at('2026-11-24T15:00:00Z') }, ['d'], { hourly: true });
    expect(hourly.sql).not.toContain('_daily');
    expect(hourly.parameters).toHaveLength(3);
  });
});

describe('dailyRollups', () => {
  it('sums the hourly increments of a batch per key and UTC day', () => {
    const counts = (hour: string, rows: number) => ({ deploymentId: 'd', role: 'main', modelId: 'm', hour, requests: 1, rows, errors: 0, shed: rows === 5 ? 2 : 0, latencySum: 1.5 });
    const bin = (hour: string, series: string, count: number) => ({ deploymentId: 'd', role: 'main', modelId: 'm', series, hour, bin: 3, count });
    const daily = dailyRollups({
      counts: new Map([
        ['a', counts('2026-11-20T01:00:00.000Z', 2)],
        ['b', counts('2026-11-20T23:00:00.000Z', 5)],
        ['c', counts('2026-11-21T00:00:00.000Z', 1)],
      ]),
      bins: new Map([
        ['a', bin('2026-11-20T01:00:00.000Z', 'feature:x', 2)],
        ['b', bin('2026-11-20T05:00:00.000Z', 'feature:x', 3)],
        ['c', bin('2026-11-20T05:00:00.000Z', 'prediction', 4)],
      ]),
      pairs: new Map([
        ['d|2026-11-20T01:00:00.000Z', { ...emptyPairSums(), pairs: 2, agreements: 1, sumX: 1 }],
        ['d|2026-11-20T02:00:00.000Z', { ...emptyPairSums(), pairs: 3, agreements: 3, sumX: 2 }],
      ]),
    });
    expect(daily.counts).toEqual([
      { deploymentId: 'd', role: 'main', modelId: 'm', day: '2026-11-20T00:00:00.000Z', requests: 2, rows: 7, errors: 0, shed: 2, latencySum: 3 },
      { deploymentId: 'd', role: 'main', modelId: 'm', day: '2026-11-21T00:00:00.000Z', requests: 1, rows: 1, errors: 0, shed: 0, latencySum: 1.5 },
    ]);
    expect(daily.bins).toEqual([
      { deploymentId: 'd', role: 'main', modelId: 'm', series: 'feature:x', day: '2026-11-20T00:00:00.000Z', bin: 3, count: 5 },
      { deploymentId: 'd', role: 'main', modelId: 'm', series: 'prediction', day: '2026-11-20T00:00:00.000Z', bin: 3, count: 4 },
    ]);
    expect(daily.pairs).toEqual([{ deploymentId: 'd', day: '2026-11-20T00:00:00.000Z', ...emptyPairSums(), pairs: 5, agreements: 4, sumX: 3 }]);
    expect(dayOf('2026-11-20T23:00:00.000Z')).toBe('2026-11-20T00:00:00.000Z');
  });
});
