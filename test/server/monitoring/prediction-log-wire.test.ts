import { describe, expect, it } from 'vitest';
import type { Binning, PredictionRecord } from '../../../server/monitoring/log/prediction-log';
import { unpack, WireBatch } from '../../../server/monitoring/log/wire';

describe('prediction log wire format', () => {
  const binning = { profile: null, predictions: null };
  const createdAt = new Date('2026-11-25T10:00:00.123Z');
  const inputs = [{ Island: 'Biscoe', 'Body Mass (g)': 4200 }, { Island: 'Dream', 'Body Mass (g)': null }];
  const mainOutputs = [{ prediction: 'Adelie', probabilities: { Adelie: 0.9, Gentoo: 0.1 } }, { prediction: 'Gentoo', probabilities: { Adelie: 0.2, Gentoo: 0.8 } }];
  const base = { deploymentId: 'd', deploymentVersion: 3, requestId: 'r', latencyMs: 2.5, source: 'api' as const, createdAt, binning };
  const main: PredictionRecord[] = inputs.map((input, rowIndex) => ({ ...base, modelId: 'm1', role: 'main', rowIndex, input, output: mainOutputs[rowIndex]! }));
  const challenger: PredictionRecord[] = inputs.map((input, rowIndex) => ({ ...base, modelId: 'm2', role: 'challenger', rowIndex, input, output: { prediction: 'Adelie' }, mainOutput: mainOutputs[rowIndex] }));
  const failed: PredictionRecord = { ...base, requestId: 'r2', modelId: 'm1', role: 'main', rowIndex: 0, input: 7, output: null, error: 'the model failed' };

  it('gives back every field of every row, in order', () => {
    const batch = new WireBatch();
    for (const r of [...main, ...challenger, failed]) batch.add(r);
    expect(batch.rows).toBe(5);
    // Binnings are not sent with the rows: the log's thread has them per model.
    const binnings: Record<string, Binning> = { m1: binning, m2: { profile: null, predictions: { kind: 'classes', counts: { Adelie: 1 } } } };
    const records = [...main, ...challenger, failed].map((r) => ({ ...r, binning: binnings[r.modelId]! }));
    expect(unpack(batch.toJSON(), (modelId) => binnings[modelId]!)).toEqual(records);
  });

  it('stores an input or output shared by several rows once', () => {
    const batch = new WireBatch();
    for (const r of [...main, ...challenger]) batch.add(r);
    const message = JSON.parse(batch.toJSON());
    // 2 inputs + 2 main outputs + 2 challenger outputs (the main outputs are not repeated for the challenger rows).
    expect(message.values).toHaveLength(6);
    expect(message.groups).toHaveLength(2);
    expect(message.models).toEqual([['d', 3, 'm1', 'main'], ['d', 3, 'm2', 'challenger']]);
  });
});
