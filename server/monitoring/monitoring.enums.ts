import { registerEnumType } from 'type-graphql';
import type { DriftTest, PsiBand } from './drift/report';

/*
 * GraphQL enums for values the monitoring code keeps as string unions. Each object maps the
 * GraphQL name to the value the services produce, so the services stay as they are and a value
 * the schema does not know fails loudly in serialization instead of reaching clients as free text.
 */

/** Which model of a deployment's version a figure is about. */
export const ModelRole = { main: 'main', challenger: 'challenger' } as const;
export type ModelRole = (typeof ModelRole)[keyof typeof ModelRole];
registerEnumType(ModelRole, {
  name: 'ModelRole',
  description: "Which model of the deployment's version a figure is about",
  valuesConfig: {
    main: { description: 'The main model, whose predictions are returned' },
    challenger: { description: 'The challenger, called after the main model for comparison' },
  },
});

/** The width of a point in time series. */
export const TimeStep = { hour: 'hour', day: 'day' } as const;
export type TimeStep = (typeof TimeStep)[keyof typeof TimeStep];
registerEnumType(TimeStep, {
  name: 'TimeStep',
  description: 'The width of each point of a time series',
  valuesConfig: {
    hour: { description: 'One point per UTC hour' },
    day: { description: 'One point per UTC day; its time is the day at midnight UTC' },
  },
});

export const PsiBandEnum = { stable: 'stable', moderate: 'moderate', significant: 'significant' } as const satisfies Record<PsiBand, PsiBand>;
registerEnumType(PsiBandEnum, {
  name: 'PsiBand',
  description: 'Rule-of-thumb band of a population stability index; it ignores the number of rows and is never the verdict',
  valuesConfig: {
    stable: { description: 'PSI below 0.1' },
    moderate: { description: 'PSI from 0.1 to 0.25' },
    significant: { description: 'PSI of 0.25 or more' },
  },
});

// GraphQL names cannot hold a hyphen: rank_sum is the service's 'rank-sum'.
export const DriftTestEnum = { rank_sum: 'rank-sum', chi_square: 'chi-square' } as const satisfies Record<string, DriftTest>;
registerEnumType(DriftTestEnum, {
  name: 'DriftTest',
  description: 'The statistical test a drift verdict rests on',
  valuesConfig: {
    rank_sum: { description: 'Rank-sum (Mann–Whitney) test: shifts of a numeric distribution' },
    chi_square: { description: 'χ² test of the counts per bin' },
  },
});

export const DriftEffect = { jensenShannon: 'jensenShannon', wasserstein: 'wasserstein' } as const;
registerEnumType(DriftEffect, {
  name: 'DriftEffect',
  description: 'The effect size a drift floor applies to',
  valuesConfig: {
    jensenShannon: { description: 'Jensen–Shannon distance (base 2, 0 to 1): categorical features and class predictions' },
    wasserstein: { description: 'Wasserstein distance in training standard deviations: numeric features and predictions' },
  },
});
