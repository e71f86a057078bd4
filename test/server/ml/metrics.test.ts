import { describe, expect, it } from 'vitest';
import {
  accuracy,
  classificationMetrics,
  logLoss,
  macroF1,
  mae,
  r2,
  regressionMetrics,
  rmse,
  rocAuc,
} from '../../../server/ml/metrics';

describe('regression metrics', () => {
  // scikit-learn's documentation example.
  const actual = [3, -0.5, 2, 7];
  const predicted = [2.5, 0, 2, 8];

  it('RMSE: √((0.25 + 0.25 + 0 + 1) / 4)', () => {
    expect(rmse(actual, predicted)).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(rmse(actual, predicted)).toBeCloseTo(0.6123724356957945, 12);
  });

  it('MAE: (0.5 + 0.5 + 0 + 1) / 4', () => {
    expect(mae(actual, predicted)).toBe(0.5);
  });

  it('R²: 1 − 1.5 / 29.1875', () => {
    // mean 2.875; SS_tot = 0.015625 + 11.390625 + 0.765625 + 17.015625 = 29.1875.
    expect(r2(actual, predicted)).toBeCloseTo(1 - 1.5 / 29.1875, 12);
    expect(r2(actual, predicted)).toBeCloseTo(0.9486081370449679, 12);
  });

  it('R² is negative for a model worse than the mean, and defined for constant actual values', () => {
    expect(r2([1, 2, 3], [3, 2, 1])).toBe(-3);
    expect(r2([4, 4], [4, 4])).toBe(1);
    expect(r2([4, 4], [4, 5])).toBe(0);
  });

  it('regressionMetrics reads numeric predictions', () => {
    expect(regressionMetrics(actual, predicted.map((prediction) => ({ prediction })))).toEqual({
      rmse: rmse(actual, predicted),
      mae: 0.5,
      r2: r2(actual, predicted),
    });
  });

  it('refuses arrays of different or zero length', () => {
    expect(() => rmse([1, 2], [1])).toThrow(/1 for 2/);
    expect(() => mae([], [])).toThrow(/zero values/);
  });
});

describe('classification metrics', () => {
  it('accuracy: 3 of 4 right', () => {
    expect(accuracy(['a', 'b', 'c', 'a'], ['a', 'c', 'c', 'a'])).toBe(0.75);
  });

  it('log loss: mean −ln p(actual label)', () => {
    // scikit-learn's example: −(ln .9 + ln .9 + ln .8 + ln .65) / 4.
    const probabilities = [
      { ham: 0.1, spam: 0.9 },
      { ham: 0.9, spam: 0.1 },
      { ham: 0.8, spam: 0.2 },
      { ham: 0.35, spam: 0.65 },
    ];
    expect(logLoss(['spam', 'ham', 'ham', 'spam'], probabilities)).toBeCloseTo(0.21616187468057912, 12);
  });

  it('log loss clips a probability of 0 (or a missing label) to 1e-15', () => {
    expect(logLoss(['a'], [{ a: 0, b: 1 }])).toBeCloseTo(-Math.log(1e-15), 9);
    expect(logLoss(['c'], [{ a: 0.5, b: 0.5 }])).toBeCloseTo(34.538776394910684, 9);
    expect(logLoss(['a'], [{ a: 1 }])).toBeCloseTo(0, 12);
    expect(Number.isFinite(logLoss(['a', 'b'], [{ a: 0 }, { b: 0 }]))).toBe(true);
  });

  it('macro F1: the unweighted mean of per-label F1', () => {
    // Label 0: TP 2, FP 1, FN 0 → F1 = 4/5. Labels 1 and 2: no true positives → 0.
    expect(macroF1(['0', '1', '2', '0', '1', '2'], ['0', '2', '1', '0', '0', '1'])).toBeCloseTo(0.8 / 3, 12);
    // a: TP 1 FP 0 FN 1 → 2/3; b: TP 2 FP 1 FN 0 → 4/5.
    expect(macroF1(['a', 'a', 'b', 'b'], ['a', 'b', 'b', 'b'])).toBeCloseTo((2 / 3 + 4 / 5) / 2, 12);
    expect(macroF1(['x', 'y'], ['x', 'y'])).toBe(1);
  });

  it('ROC AUC: share of positive/negative pairs ordered right', () => {
    // Pairs (P, N): (.35,.1) ✓ (.35,.4) ✗ (.8,.1) ✓ (.8,.4) ✓ → 3/4.
    expect(rocAuc([false, false, true, true], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    expect(rocAuc([true, true, false], [0.9, 0.8, 0.1])).toBe(1);
    expect(rocAuc([false, true], [0.9, 0.1])).toBe(0);
  });

  it('ROC AUC counts ties as one half', () => {
    expect(rocAuc([false, true, false, true], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    // P .9: ½ + 1 + 1; P .7: 0 + 1 + 1; P .3: 0 + ½ + 1 → 6 of 9 pairs.
    expect(rocAuc([true, false, true, false, true, false], [0.9, 0.9, 0.7, 0.3, 0.3, 0.1])).toBeCloseTo(6 / 9, 12);
  });

  it('ROC AUC is NaN with a single class', () => {
    expect(rocAuc([true, true], [0.2, 0.3])).toBeNaN();
  });

  it('classificationMetrics: ROC AUC of the second label for binary tasks only', () => {
    const labels = ['no', 'yes'];
    const actual = ['no', 'no', 'yes', 'yes'];
    const predictions = [0.1, 0.4, 0.35, 0.8].map((p) => ({ prediction: p >= 0.5 ? 'yes' : 'no', probabilities: { no: 1 - p, yes: p } }));
    const binary = classificationMetrics('binary', actual, predictions, labels);
    expect(binary).toEqual({
      accuracy: 0.75,
      logLoss: expect.closeTo(-(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8)) / 4, 12),
      macroF1: expect.closeTo((0.8 + 2 / 3) / 2, 12),
      rocAuc: 0.75,
    });
    expect(classificationMetrics('multiclass', actual, predictions, labels)).not.toHaveProperty('rocAuc');
    const oneClass = classificationMetrics('binary', ['yes', 'yes'], predictions.slice(2), labels);
    expect(oneClass).not.toHaveProperty('rocAuc');
  });
});
