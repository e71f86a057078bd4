import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../../server/ml/errors';
import {
  checkTrainingData,
  decodeOutputs,
  encodeRows,
  encodeTargets,
  fitPreprocessing,
} from '../../../server/ml/preprocessing';
import type { FeatureSchema, PreprocessingSpec, Row } from '../../../server/ml/types';
import { CAR_FEATURES, PENGUIN_FEATURES, carSchema, cars, penguinSchema, penguins, pick, readCsvText, toCsv } from '../../support/datasets';

const species = { name: 'Species', task: 'multiclass' } as const;
const mpg = { name: 'Miles_per_Gallon', task: 'regression' } as const;

function datasetError(run: () => unknown): DatasetError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  throw new Error('expected a DatasetError');
}

function bytes(data: Float32Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

describe('fitPreprocessing', () => {
  it('fits means, population stds, medians, vocabularies and labels on the given rows', () => {
    const rows = penguins();
    const spec = fitPreprocessing(rows, penguinSchema, species);
    const beaks = rows.map((row) => row['Beak Length (mm)']).filter((v): v is number => typeof v === 'number');
    const mean = beaks.reduce((a, b) => a + b, 0) / beaks.length;
    const std = Math.sqrt(beaks.reduce((a, b) => a + (b - mean) ** 2, 0) / beaks.length);
    const sorted = [...beaks].sort((a, b) => a - b);
    expect(beaks).toHaveLength(342);
    expect(spec.features[1]).toEqual({
      name: 'Beak Length (mm)',
      type: 'numeric',
      mean: expect.closeTo(mean, 10),
      std: expect.closeTo(std, 10),
      median: (sorted[170] + sorted[171]) / 2,
      nullable: true,
    });
    expect(spec.features[0]).toEqual({ name: 'Island', type: 'categorical', vocabulary: ['Biscoe', 'Dream', 'Torgersen'], nullable: false });
    expect(spec.features[5]).toMatchObject({ name: 'Sex', vocabulary: ['.', 'FEMALE', 'MALE'] });
    expect(spec.target).toEqual({ name: 'Species', task: 'multiclass', labels: ['Adelie', 'Chinstrap', 'Gentoo'] });
    // 3 islands + unknown, 4 numbers, 3 sexes + unknown.
    expect(spec.inputWidth).toBe(4 + 4 + 4);
  });

  it('standardizes a regression target and leaves the target out of the features', () => {
    const rows = cars().filter((row) => row.Miles_per_Gallon !== null);
    const spec = fitPreprocessing(rows, [...carSchema, { name: 'Miles_per_Gallon', type: 'numeric', nullable: true }], mpg);
    expect(spec.features.map((f) => f.name)).toEqual(CAR_FEATURES);
    const values = rows.map((row) => row.Miles_per_Gallon as number);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(spec.target).toMatchObject({ task: 'regression', mean: expect.closeTo(mean, 10) });
  });

  it('uses std 1 for a constant feature and the majority for a boolean', () => {
    const rows: Row[] = Array.from({ length: 6 }, (_, i) => ({ constant: 5, flag: i < 4 ? 'yes' : 'no', y: i % 2 ? 'a' : 'b' }));
    const schema: FeatureSchema[] = [
      { name: 'constant', type: 'numeric', nullable: false },
      { name: 'flag', type: 'boolean', nullable: false },
    ];
    const spec = fitPreprocessing(rows, schema, { name: 'y', task: 'binary' });
    expect(spec.features).toEqual([
      { name: 'constant', type: 'numeric', mean: 5, std: 1, median: 5, nullable: false },
      { name: 'flag', type: 'boolean', fill: 1, nullable: false },
    ]);
    expect(encodeRows(spec, [{ constant: 5, flag: 'no' }]).data).toEqual(new Float32Array([0, 0]));
  });

  describe('refuses data it cannot train on, naming the column (and row)', () => {
    it('a target that is not a column', () => {
      const error = datasetError(() => fitPreprocessing(penguins(), penguinSchema, { name: 'species', task: 'multiclass' }));
      expect(error.column).toBe('species');
      expect(error.message).toMatch(/column "species": the target is not a column of the dataset \(columns: Species, Island/);
    });

    it('a feature that is not a column', () => {
      const schema: FeatureSchema[] = [...penguinSchema, { name: 'Tail Length', type: 'numeric', nullable: true }];
      expect(datasetError(() => fitPreprocessing(penguins(), schema, species)).message).toMatch(/column "Tail Length": .*not a column/);
    });

    it('a constant target', () => {
      const adelie = penguins().filter((row) => row.Species === 'Adelie');
      const error = datasetError(() => fitPreprocessing(adelie, penguinSchema, species));
      expect(error.message).toMatch(/column "Species": the target has the same value \("Adelie"\) in every row/);
    });

    it('a numeric column that is mostly text, with a sample bad value and its row', () => {
      const schema = penguinSchema.map((f) => (f.name === 'Island' ? { ...f, type: 'numeric' as const } : f));
      const error = datasetError(() => fitPreprocessing(penguins(), schema, species));
      expect(error).toMatchObject({ column: 'Island', row: 1 });
      expect(error.message).toMatch(/row 1, column "Island": the column is declared numeric but 344 of its 344 values are not \(for example "Torgersen" in row 1\)/);
    });

    it('a regression target with text, naming the row', () => {
      const rows = cars().map((row, i) => (i === 41 ? { ...row, Miles_per_Gallon: 'about 20' } : row));
      const error = datasetError(() => fitPreprocessing(rows, carSchema, mpg));
      expect(error).toMatchObject({ row: 42, column: 'Miles_per_Gallon' });
      expect(error.message).toMatch(/"about 20"/);
    });

    it('a binary target with three labels', () => {
      // The real penguins file has one sex ".": three labels.
      const error = datasetError(() =>
        fitPreprocessing(penguins(), penguinSchema.filter((f) => f.name !== 'Sex'), { name: 'Sex', task: 'binary' }),
      );
      expect(error.message).toMatch(/column "Sex": a binary target must have exactly two labels/);
    });

    it('checkTrainingData locates problems in file order', () => {
      const rows = cars().map((row, i) => (i >= 100 ? { ...row, Horsepower: 'high' } : row));
      const error = datasetError(() => checkTrainingData(rows, carSchema, mpg));
      expect(error).toMatchObject({ row: 101, column: 'Horsepower' });
    });
  });
});

describe('encodeRows', () => {
  it('encodes CSV strings and JSON numbers of the same penguins bit for bit identically', async () => {
    const json = penguins();
    const columns = ['Species', ...PENGUIN_FEATURES];
    const csv = await readCsvText(toCsv(json, columns), 'penguins.csv');
    const spec = fitPreprocessing(csv.slice(0, 250), penguinSchema, species);
    const fromJson = encodeRows(spec, json);
    const fromCsv = encodeRows(spec, csv);
    expect(fromJson.issues).toEqual([]);
    expect(fromCsv.issues).toEqual([]);
    expect(fromJson.count).toBe(344);
    expect(bytes(fromCsv.data).equals(bytes(fromJson.data))).toBe(true);
    const targets = [encodeTargets(spec, json), encodeTargets(spec, csv)];
    expect(bytes(targets[0].data).equals(bytes(targets[1].data))).toBe(true);
    // The same spec fitted from JSON rows is the same spec.
    expect(fitPreprocessing(json.slice(0, 250), penguinSchema, species)).toEqual(spec);
  });

  it('encodes the cars the same way from CSV and JSON', async () => {
    const columns = ['Miles_per_Gallon', ...CAR_FEATURES];
    const json = cars()
      .filter((row) => row.Miles_per_Gallon !== null)
      .map((row) => pick(row, columns));
    const csv = await readCsvText(toCsv(json, columns), 'cars.csv');
    const spec = fitPreprocessing(json, carSchema, mpg);
    const [a, b] = [encodeRows(spec, json), encodeRows(spec, csv)];
    expect(a.count).toBe(398);
    expect(bytes(a.data).equals(bytes(b.data))).toBe(true);
  });

  it('lays out one slot per number, vocabulary + unknown per category', () => {
    const spec = fitPreprocessing(penguins(), penguinSchema, species);
    const island = spec.features[0] as { vocabulary: string[] };
    const beak = spec.features[1] as { mean: number; std: number };
    const row = { Island: 'Dream', 'Beak Length (mm)': 40, 'Beak Depth (mm)': null, 'Flipper Length (mm)': '200', 'Body Mass (g)': 4000, Sex: 'UNKNOWN' };
    const { data } = encodeRows(spec, [row]);
    expect(island.vocabulary).toEqual(['Biscoe', 'Dream', 'Torgersen']);
    expect(Array.from(data.subarray(0, 4))).toEqual([0, 1, 0, 0]);
    expect(data[4]).toBe(Math.fround((40 - beak.mean) / beak.std));
    const depth = spec.features[2] as { mean: number; std: number; median: number };
    expect(data[5]).toBe(Math.fround((depth.median - depth.mean) / depth.std));
    // An unseen sex goes to the unknown slot; a missing one is all zeros.
    expect(Array.from(data.subarray(8, 12))).toEqual([0, 0, 0, 1]);
    expect(Array.from(encodeRows(spec, [{ ...row, Sex: null }]).data.subarray(8, 12))).toEqual([0, 0, 0, 0]);
  });

  describe('strict and best-effort modes', () => {
    const spec = fitPreprocessing(penguins(), penguinSchema, species);
    const good = pick(penguins()[0], PENGUIN_FEATURES);
    const rows: Row[] = [
      good,
      { ...good, 'Beak Length (mm)': 'long' },
      { ...good, Colour: 'black' },
      { ...good, Island: undefined },
      { ...good, 'Body Mass (g)': null, Species: 'Adelie' },
      { ...good, Sex: { value: 'MALE' } },
    ];

    it('strict: rejects a wrong type, an unknown field and a missing required feature', () => {
      const result = encodeRows(spec, rows, { mode: 'strict' });
      expect(result.rejected).toEqual([1, 2, 3, 5]);
      expect(result.count).toBe(2);
      expect(result.data).toHaveLength(2 * spec.inputWidth);
      expect(result.issues).toEqual([
        { row: 1, field: 'Beak Length (mm)', message: 'expected a number, got "long"' },
        { row: 2, field: 'Colour', message: 'is not a feature of this model' },
        { row: 3, field: 'Island', message: 'is required' },
        { row: 5, field: 'Sex', message: 'a feature value must be a string, number, boolean or null, not an object' },
      ]);
      // The kept rows are the first and the fifth (a nullable feature missing, the target ignored).
      const alone = encodeRows(spec, [good, rows[4]]);
      expect(bytes(result.data).equals(bytes(alone.data))).toBe(true);
    });

    it('best_effort: keeps every row, imputes bad values, drops unknown fields, reports each', () => {
      const result = encodeRows(spec, rows, { mode: 'best_effort', firstRowNumber: 1 });
      expect(result.rejected).toEqual([]);
      expect(result.count).toBe(rows.length);
      expect(result.issues.map((issue) => [issue.row, issue.field, issue.message])).toEqual([
        [2, 'Beak Length (mm)', 'expected a number, got "long"; imputed'],
        [3, 'Colour', 'is not a feature of this model; ignored'],
        [4, 'Island', 'is required; imputed'],
        [6, 'Sex', 'a feature value must be a string, number, boolean or null, not an object; imputed'],
      ]);
      const width = spec.inputWidth;
      const imputed = encodeRows(spec, [{ ...good, 'Beak Length (mm)': null }]).data;
      expect(Array.from(result.data.subarray(width, 2 * width))).toEqual(Array.from(imputed));
      expect(Array.from(result.data.subarray(2 * width, 3 * width))).toEqual(Array.from(result.data.subarray(0, width)));
    });

    it('treats a number beyond float32 range as a bad value, not as Infinity', () => {
      const huge = { ...good, 'Body Mass (g)': '1e300' };
      const strict = encodeRows(spec, [huge]);
      expect(strict.rejected).toEqual([0]);
      expect(strict.issues).toEqual([{ row: 0, field: 'Body Mass (g)', message: '"1e300" is too large' }]);
      const kept = encodeRows(spec, [huge], { mode: 'best_effort' });
      expect(kept.data.every(Number.isFinite)).toBe(true);
      expect(Array.from(kept.data)).toEqual(Array.from(encodeRows(spec, [{ ...good, 'Body Mass (g)': null }]).data));
    });

    it('rejects a row that is not an object in both modes', () => {
      for (const mode of ['strict', 'best_effort'] as const) {
        const result = encodeRows(spec, [good, [1, 2] as unknown as Row, null as unknown as Row], { mode });
        expect(result.rejected).toEqual([1, 2]);
        expect(result.count).toBe(1);
      }
    });
  });
});

describe('encodeTargets', () => {
  it('refuses a missing target or an unknown label, naming the row', () => {
    const spec = fitPreprocessing(penguins(), penguinSchema, species);
    expect(() => encodeTargets(spec, [{ Species: 'Adelie' }, { Species: null }])).toThrow(/row 2, column "Species": the target has no value/);
    expect(() => encodeTargets(spec, [{ Species: 'Emperor' }])).toThrow(/row 1, column "Species": "Emperor" is not one of the labels Adelie, Chinstrap, Gentoo/);
    expect(Array.from(encodeTargets(spec, [{ Species: 'Gentoo' }, { Species: 'Adelie' }]).data)).toEqual([0, 0, 1, 1, 0, 0]);
  });
});

describe('decodeOutputs', () => {
  const base = { version: 1 as const, features: [], inputWidth: 0 };

  it('maps softmax outputs to the most probable label and a probability per label', () => {
    const spec: PreprocessingSpec = { ...base, target: { name: 'y', task: 'multiclass', labels: ['a', 'b', 'c'] } };
    const predictions = decodeOutputs(spec, new Float32Array([0.1, 0.7, 0.2, 0.5, 0.25, 0.25]), 2);
    expect(predictions[0].prediction).toBe('b');
    expect(predictions[0].probabilities).toEqual({ a: expect.closeTo(0.1, 6), b: expect.closeTo(0.7, 6), c: expect.closeTo(0.2, 6) });
    expect(predictions[1].prediction).toBe('a');
    for (const { probabilities } of predictions) expect(Object.values(probabilities!).reduce((a, b) => a + b)).toBeCloseTo(1, 12);
  });

  it('reads one sigmoid unit as the probability of the second label, and accepts two softmax units', () => {
    const spec: PreprocessingSpec = { ...base, target: { name: 'y', task: 'binary', labels: ['no', 'yes'] } };
    const one = decodeOutputs(spec, new Float32Array([0.8, 0.3]), 2);
    expect(one.map((p) => p.prediction)).toEqual(['yes', 'no']);
    expect(one[0].probabilities!.yes).toBeCloseTo(0.8, 6);
    expect(one[0].probabilities!.no).toBeCloseTo(0.2, 6);
    const two = decodeOutputs(spec, new Float32Array([0.2, 0.8, 0.7, 0.3]), 2);
    expect(two).toEqual(one.map((p) => ({ prediction: p.prediction, probabilities: { no: expect.closeTo(p.probabilities!.no, 6), yes: expect.closeTo(p.probabilities!.yes, 6) } })));
  });

  it('de-standardizes regression outputs', () => {
    const spec: PreprocessingSpec = { ...base, target: { name: 'mpg', task: 'regression', mean: 23.5, std: 7.8 } };
    expect(decodeOutputs(spec, new Float32Array([0, 1, -0.5]), 3)).toEqual([
      { prediction: 23.5 },
      { prediction: 23.5 + 7.8 },
      { prediction: 23.5 - 3.9 },
    ]);
  });

  it('refuses NaN outputs instead of passing them off as an uncertain answer', () => {
    const classes: PreprocessingSpec = { ...base, target: { name: 'y', task: 'multiclass', labels: ['a', 'b'] } };
    expect(() => decodeOutputs(classes, new Float32Array([0.5, 0.5, Number.NaN, Number.NaN]), 2)).toThrow(/non-number \(NaN, NaN\) for row 1/);
    const numbers: PreprocessingSpec = { ...base, target: { name: 'y', task: 'regression', mean: 0, std: 1 } };
    expect(() => decodeOutputs(numbers, new Float32Array([Number.POSITIVE_INFINITY]), 1)).toThrow(/non-number \(Infinity\) for row 0/);
  });

  it('refuses outputs of the wrong width', () => {
    const spec: PreprocessingSpec = { ...base, target: { name: 'y', task: 'multiclass', labels: ['a', 'b', 'c'] } };
    expect(() => decodeOutputs(spec, new Float32Array(4), 2)).toThrow(/4 values for 2 rows; a multiclass model for this spec must output 3 per row/);
  });
});
