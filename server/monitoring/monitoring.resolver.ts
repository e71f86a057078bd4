import { Repeater } from '@graphql-yoga/subscription';
import { Arg, Ctx, Field, Float, ID, InputType, Int, InterfaceType, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { DriftEffect, DriftTestEnum, ModelRole, PsiBandEnum, TimeStep } from './monitoring.enums';
import { FeatureTypeEnum } from '../experiments/feature-schema.type';
import type { LiveUsage } from '../telemetry/usage';
import type { Context } from '../graphql/context';
import { ProjectRole } from '../projects/collaborator.entity';
import type { DriftThresholds as Thresholds } from './drift/calibration';
import { stepFor } from './monitoring.service';

const SIGNIFICANCE = 'Significance level α (default 0.05): the chance that a window without drift is flagged on any feature; Holm\'s correction over the features keeps the dataset verdict at α';
const JS_FLOOR = 'Effect-size floor of categorical features and class predictions (default 0.03): a Jensen–Shannon distance (base 2, 0–1) below it never drifts, however many rows';
const W_FLOOR = 'Effect-size floor of numeric features and predictions (default 0.1): a Wasserstein distance in training standard deviations below it never drifts';
const MISSING_FLOOR = 'Effect-size floor of a change in the share of missing values (default 0.02, i.e. 2 points)';
const MIN_ROWS = 'Fewer live rows give "not enough data" instead of scores (default 100)';
const DATASET_SHARE = 'No longer used: the dataset drifts when any feature drifts after the correction over the features';

@ObjectType({ description: 'When a feature, the predictions or the whole dataset count as drifted: significant against sampling noise for the window and reference sizes, and at least an effect-size floor' })
class DriftThresholds {
  @Field(() => Float, { description: SIGNIFICANCE }) significance: number;
  @Field(() => Float, { description: JS_FLOOR }) jensenShannon: number;
  @Field(() => Float, { description: W_FLOOR }) wasserstein: number;
  @Field(() => Float, { description: MISSING_FLOOR }) missingShare: number;
  @Field(() => Int, { description: MIN_ROWS }) minRows: number;
  @Field(() => Float, { description: 'Ignored; kept so that existing queries still validate', deprecationReason: DATASET_SHARE }) datasetShare: number;
}

@InputType({ description: 'Drift thresholds of a deployment; an omitted field keeps its value' })
class DriftThresholdsInput {
  @Field(() => Float, { nullable: true, description: SIGNIFICANCE }) significance?: number;
  @Field(() => Float, { nullable: true, description: JS_FLOOR }) jensenShannon?: number;
  @Field(() => Float, { nullable: true, description: W_FLOOR }) wasserstein?: number;
  @Field(() => Float, { nullable: true, description: MISSING_FLOOR }) missingShare?: number;
  @Field(() => Int, { nullable: true, description: MIN_ROWS }) minRows?: number;
  @Field(() => Float, { nullable: true, description: 'Ignored; kept so that existing clients can still send it', deprecationReason: DATASET_SHARE }) datasetShare?: number;
}

@ObjectType({ description: 'The change in the share of missing values of a feature, judged on its own (not as drift of the distribution)' })
class MissingShareDrift {
  @Field(() => Float, { description: 'Share of missing values in the training data' }) reference: number;
  @Field(() => Float, { description: 'Share of missing values in the live rows' }) current: number;
  @Field(() => Float, { description: 'Two-proportion test, before correction' }) pValue: number;
  @Field(() => Float, { description: "After Holm's correction over the features" }) adjustedPValue: number;
  @Field(() => Boolean, { description: 'Significant after correction and at least the missingShare floor apart' }) changed: boolean;
}

// An interface: features and predictions are judged by the same rule on the same bins, and a
// client can read both through one fragment.
@InterfaceType('DistributionDrift', { description: 'A live distribution against its reference, on the same bins' })
abstract class DistributionDrift {
  @Field(() => Int, { description: 'Live rows counted, missing values included' }) rows: number;
  @Field(() => Boolean, { description: 'False: fewer live rows than minRows, no scores' }) enoughData: boolean;
  @Field(() => Float, { nullable: true, description: 'Population stability index of present values; null without enough data' }) psi?: number;
  @Field(() => PsiBandEnum, { nullable: true, description: 'Rule of thumb that ignores the number of rows, never the verdict: stable (< 0.1), moderate (0.1–0.25), significant (≥ 0.25); null without enough data' }) psiBand?: string;
  @Field(() => Float, { nullable: true, description: 'Jensen–Shannon distance (base 2) of present values' }) jensenShannon?: number;
  @Field(() => Float, { nullable: true, description: 'Numeric only, in reference standard deviations; a bin approximation (exact for discrete features)' }) wasserstein?: number;
  @Field(() => Float, { nullable: true, description: 'Upper bound of the bin approximation of wasserstein, in standard deviations' }) wassersteinError?: number;
  @Field(() => Boolean, { description: 'Significant after the correction over the features, and an effect at least its floor' }) drifted: boolean;
  @Field(() => DriftTestEnum, { nullable: true, description: 'The test the verdict rests on; null without enough data' }) test?: string;
  @Field(() => Float, { nullable: true, description: 'The test statistic: z for rank-sum, χ² for chi-square' }) statistic?: number;
  @Field(() => Int, { nullable: true, description: 'Degrees of freedom of χ²; 0 for rank-sum' }) df?: number;
  @Field(() => Float, { nullable: true, description: 'The p-value of the test, before correction' }) pValue?: number;
  @Field(() => Float, { nullable: true, description: 'The p-value after the correction over the features, compared with significance' }) adjustedPValue?: number;
  @Field(() => Float, { nullable: true, description: 'The significance level the adjusted p-value is compared with' }) significance?: number;
  @Field(() => DriftEffect, { nullable: true, description: 'The effect size the floor applies to; null without enough data' }) effect?: string;
  @Field(() => Float, { nullable: true, description: 'The measured effect, in the units of effect' }) effectSize?: number;
  @Field(() => Float, { nullable: true, description: 'The floor of effect from the thresholds, in the same units' }) effectFloor?: number;
  @Field(() => Float, { nullable: true, description: 'About the effect size this window needs to be told from noise (floor included), in the effect\'s units' }) windowThreshold?: number;
  @Field(() => String, { description: 'The verdict in one sentence: which test, its value, the threshold for this window' }) reason: string;
  @Field(() => MissingShareDrift, { nullable: true, description: 'Features only' }) missing?: MissingShareDrift;
  @Field(() => [String], { description: 'One name per bin' }) labels: string[];
  @Field(() => [Float], { description: 'Training shares per bin' }) reference: number[];
  @Field(() => [Float], { description: 'Live shares per bin' }) current: number[];
}

@ObjectType({ description: 'Drift of one input feature', implements: DistributionDrift })
class FeatureDrift extends DistributionDrift {
  @Field(() => String, { description: 'The feature name' }) feature: string;
  @Field(() => FeatureTypeEnum, { description: 'Its type in the version, which decides the bins and the test' }) type: string;
}

@ObjectType({ description: "Drift of one model's predictions", implements: DistributionDrift })
class PredictionDrift extends DistributionDrift {
  @Field(() => ModelRole, { description: 'Which model of the version' }) role: string;
  @Field(() => ID, { description: 'The model' }) modelId: string;
}

@ObjectType({ description: 'Drift of live data against the training data, over a range of whole hours' })
class DriftReport {
  @Field(() => Date, { description: 'Start of the range, included (a whole hour)' }) from: Date;
  @Field(() => Date, { description: 'End of the range, excluded (a whole hour)' }) to: Date;
  @Field(() => Boolean, { description: 'At least one feature had enough rows to be scored' }) enoughData: boolean;
  @Field(() => Boolean, { description: 'Any feature drifted (significant after the correction over the features)' }) drifted: boolean;
  @Field(() => [String], { description: 'The names of the drifted features' }) driftedFeatures: string[];
  @Field(() => Float, { description: 'Drifted features over scored features' }) share: number;
  @Field(() => Float, { description: 'The share expected without any drift (at most significance / scored features), to read share against' }) expectedShare: number;
  @Field(() => [String], { description: 'Features whose share of missing values changed (not counted as drift)' }) missingChangedFeatures: string[];
  @Field(() => DriftThresholds, { description: 'The thresholds the verdicts used' }) thresholds: DriftThresholds;
  @Field(() => [FeatureDrift], { description: 'One per feature of the served version, in its order' }) features: FeatureDrift[];
  @Field(() => [PredictionDrift], { description: 'The main model, then the challenger if any' }) predictions: PredictionDrift[];
}

@ObjectType({ description: 'Requests to one model over one hour or day' })
class TrafficPoint {
  @Field(() => Date, { description: 'Start of the hour or day (UTC)' }) time: Date;
  @Field(() => ModelRole, { description: 'Which model of the version' }) role: string;
  @Field(() => Int, { description: 'Prediction requests' }) requests: number;
  @Field(() => Int, { description: 'Rows predicted (a request may carry several)' }) rows: number;
  @Field(() => Int, { description: 'Requests that failed' }) errors: number;
  @Field(() => Int, { description: 'Challenger rows shed by a full queue' }) shed: number;
  @Field(() => Float, { nullable: true, description: 'Median model latency in milliseconds; null without requests' }) latencyP50Ms: number | null;
  @Field(() => Float, { nullable: true, description: '95th percentile of model latency in milliseconds; null without requests' }) latencyP95Ms: number | null;
}

@ObjectType({ description: 'Drift of one feature over one hour or day' })
class DriftPoint {
  @Field(() => Date, { description: 'Start of the hour or day (UTC)' }) time: Date;
  @Field(() => String, { description: 'The feature name' }) feature: string;
  @Field(() => Int, { description: 'Live rows counted, missing values included' }) rows: number;
  @Field(() => Float, { nullable: true, description: 'Jensen–Shannon distance (base 2, 0 to 1); null without enough rows' }) jensenShannon: number | null;
  @Field(() => Float, { nullable: true, description: 'Numeric features: Wasserstein distance in training standard deviations; null otherwise or without enough rows' }) wasserstein: number | null;
  @Field(() => Float, { nullable: true, description: "The p-value after the correction over this point's features" }) adjustedPValue: number | null;
  @Field(() => Boolean, { description: 'The same rule as deploymentDrift, applied to this hour or day' }) drifted: boolean;
  @Field(() => Boolean, { description: 'The share of missing values changed in this hour or day' }) missingChanged: boolean;
  @Field(() => String, { description: 'The verdict in one sentence' }) reason: string;
}

@ObjectType({ description: 'Main vs challenger on the same requests' })
class Comparison {
  @Field(() => Int, { description: 'Rows both models predicted' }) pairs: number;
  @Field(() => Float, { nullable: true, description: 'Classification: share of rows with the same label' }) agreementRate: number | null;
  @Field(() => Float, { nullable: true, description: 'Regression: mean absolute difference' }) meanAbsoluteDifference: number | null;
  @Field(() => Float, { nullable: true, description: 'Regression: Pearson correlation' }) correlation: number | null;
  @Field(() => ID, { nullable: true, description: 'The challenger of the served version; null: none' }) challengerModelId: string | null;
  @Field(() => Int, { description: 'Challenger rows shed by a full queue (the main answer is never delayed)' }) challengerShed: number;
  @Field(() => Int, { description: 'Challenger rows that failed' }) challengerFailed: number;
  @Field(() => Float, { nullable: true, description: 'Median latency of the main model in milliseconds; null without requests' }) mainLatencyP50Ms: number | null;
  @Field(() => Float, { nullable: true, description: 'Median latency of the challenger in milliseconds; null without requests' }) challengerLatencyP50Ms: number | null;
}

@ObjectType({ description: 'Performance on rows whose ground truth arrived (POST /api/v1/deployments/{slug}/feedback)' })
class PerformancePoint {
  @Field(() => Date, { description: 'Start of the hour or day (UTC)' }) time: Date;
  @Field(() => ModelRole, { description: 'Which model of the version' }) role: string;
  @Field(() => Int, { description: 'Rows with ground truth' }) rows: number;
  @Field(() => Float, { nullable: true, description: 'Share of correct labels, 0 to 1 (classification); null otherwise' }) accuracy: number | null;
  @Field(() => Float, { nullable: true, description: 'F1 averaged over the classes, 0 to 1 (classification); null otherwise' }) macroF1: number | null;
  @Field(() => Float, { nullable: true, description: 'Root mean squared error in target units (regression); null otherwise' }) rmse: number | null;
  @Field(() => Float, { nullable: true, description: 'Mean absolute error in target units (regression); null otherwise' }) mae: number | null;
}

@ObjectType({ description: "A deployment's monitoring over a range of whole hours" })
class Monitoring {
  @Field(() => Date, { description: 'Start of the range, included (a whole hour)' }) from: Date;
  @Field(() => Date, { description: 'End of the range, excluded (a whole hour)' }) to: Date;
  @Field(() => TimeStep, { description: 'The width of each traffic point' }) trafficStep: TimeStep;
  @Field(() => [TrafficPoint], { description: 'Per model and step, oldest first' }) traffic: TrafficPoint[];
  @Field(() => [DriftPoint], { description: 'Per feature and granularity step, oldest first' }) driftOverTime: DriftPoint[];
  @Field(() => Comparison, { description: 'Main vs challenger over the whole range' }) comparison: Comparison;
  @Field(() => [PerformancePoint], { description: 'Per model and granularity step, oldest first; empty without feedback' }) performance: PerformancePoint[];
}

@ObjectType({ description: "CPU and memory of a deployment's inference and preprocessing, per minute, with the process totals beside them" })
class UsagePoint {
  @Field(() => Date, { description: 'Start of the minute (UTC)' }) minute: Date;
  @Field(() => Float, { description: 'CPU seconds spent in this deployment\'s preprocessing and model calls' }) cpuSeconds: number;
  @Field(() => Float, { description: 'Bytes held by its loaded models (largest in the minute)' }) memoryBytes: number;
  @Field(() => Int, { description: 'Prediction requests in the minute' }) requests: number;
  @Field(() => Int, { description: 'Requests that failed in the minute' }) errors: number;
  @Field(() => Float, { nullable: true, description: 'CPU seconds of the whole process, to judge the attribution' }) processCpuSeconds: number | null;
  @Field(() => Float, { nullable: true, description: 'Resident memory of the whole process in bytes; null when not sampled in the minute' }) processRssBytes: number | null;
}

@ObjectType({ description: 'Live figures of a deployment over the last seconds, on the server you are connected to' })
class LiveMetrics {
  @Field(() => Date, { description: 'When the figures were taken' }) at: Date;
  @Field(() => Float, { description: 'Prediction requests per second' }) requestsPerSecond: number;
  @Field(() => Float, { description: 'Failed requests per second' }) errorsPerSecond: number;
  @Field(() => Float, { description: 'Rows predicted per second' }) rowsPerSecond: number;
  @Field(() => Float, { nullable: true, description: 'Median latency in milliseconds; null without requests' }) p50Ms: number | null;
  @Field(() => Float, { nullable: true, description: '95th percentile of latency in milliseconds; null without requests' }) p95Ms: number | null;
  @Field(() => Float, { description: 'CPU seconds spent per second (1 = one core busy)' }) cpuSecondsPerSecond: number;
  @Field(() => Float, { description: 'Bytes held by its loaded models' }) memoryBytes: number;
}

@Resolver()
export class MonitoringResolver {
  @Query(() => [UsagePoint], { description: 'One point per minute; at most 7 days; the last hour by default' })
  async deploymentUsage(
    @Arg('deploymentId', () => ID, { description: 'The deployment' }) deploymentId: string,
    @Arg('from', () => Date, { nullable: true, description: 'Start of the range; an hour before to when omitted' }) from: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'End of the range; now when omitted' }) to: Date | null,
    @Ctx() { services, viewer }: Context,
  ): Promise<UsagePoint[]> {
    const deployment = await services.policy.inProject(viewer, 'Deployment', deploymentId, ProjectRole.viewer, (id) => services.deployments.get(id));
    const end = to ?? new Date();
    return services.usage.query(services.db, deployment.id, from ?? new Date(end.getTime() - 3_600_000), end);
  }

  @Subscription(() => LiveMetrics, {
    description: 'Requests, errors, p50/p95 latency, CPU and memory of a deployment, every second',
    subscribe: async ({ args, context }) => {
      const { services, viewer } = context as Context;
      const deployment = await services.policy.inProject(viewer, 'Deployment', args.deploymentId as string, ProjectRole.viewer, (id) => services.deployments.get(id));
      return new Repeater<unknown>(async (push, stop) => {
        const timer = setInterval(() => void push(services.usage.live(deployment.id)), 1000);
        await stop;
        clearInterval(timer);
      });
    },
  })
  deploymentMetrics(@Arg('deploymentId', () => ID, { description: 'The deployment' }) _deploymentId: string, @Root() live: LiveUsage): LiveMetrics {
    return live;
  }

  @Query(() => DriftReport, { description: 'Input and prediction drift; by default since the current version was switched in' })
  async deploymentDrift(
    @Arg('deploymentId', () => ID, { description: 'The deployment' }) deploymentId: string,
    @Arg('from', () => Date, { nullable: true, description: 'Start of the range, rounded down to the hour; when omitted, when the current version was switched in' }) from: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'End of the range, rounded up to the hour; now when omitted' }) to: Date | null,
    @Ctx() { services, viewer }: Context,
  ): Promise<DriftReport> {
    const deployment = await services.policy.inProject(viewer, 'Deployment', deploymentId, ProjectRole.viewer, (id) => services.deployments.get(id));
    return services.monitoring.drift(deployment, await services.monitoring.range(deployment, from, to)) as Promise<DriftReport>;
  }

  @Query(() => Monitoring, { description: 'Traffic, latency, drift over time and main vs challenger' })
  async deploymentMonitoring(
    @Arg('deploymentId', () => ID, { description: 'The deployment' }) deploymentId: string,
    @Arg('from', () => Date, { nullable: true, description: 'Start of the range, rounded down to the hour; when omitted, when the current version was switched in' }) from: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'End of the range, rounded up to the hour; now when omitted' }) to: Date | null,
    @Arg('granularity', () => TimeStep, { defaultValue: TimeStep.day, description: 'The step of drift over time and performance' }) granularity: TimeStep,
    @Arg('trafficStep', () => TimeStep, { nullable: true, description: 'The step of traffic; when omitted, hour for ranges up to 2 days, day beyond' }) trafficStep: TimeStep | null,
    @Ctx() { services, viewer }: Context,
  ): Promise<Monitoring> {
    const deployment = await services.policy.inProject(viewer, 'Deployment', deploymentId, ProjectRole.viewer, (id) => services.deployments.get(id));
    const range = await services.monitoring.range(deployment, from, to);
    const step = trafficStep === 'hour' || trafficStep === 'day' ? trafficStep : stepFor(range);
    return {
      ...range,
      trafficStep: step,
      traffic: await services.monitoring.traffic(deployment, range, step),
      driftOverTime: await services.monitoring.driftOverTime(deployment, range, granularity === 'hour' ? 'hour' : 'day'),
      comparison: await services.monitoring.comparison(deployment, range),
      performance: await services.monitoring.performance(deployment, range, granularity === 'hour' ? 'hour' : 'day'),
    };
  }

  @Mutation(() => DriftThresholds, { description: 'Per-deployment drift thresholds; omitted fields keep their value' })
  async setDriftThresholds(@Arg('deploymentId', () => ID, { description: 'The deployment' }) deploymentId: string, @Arg('input', () => DriftThresholdsInput, { description: 'The thresholds to change' }) input: DriftThresholdsInput, @Ctx() { services, viewer }: Context): Promise<Thresholds> {
    const deployment = await services.policy.inProject(viewer, 'Deployment', deploymentId, ProjectRole.contributor, (id) => services.deployments.get(id));
    return services.monitoring.setThresholds(deployment, input);
  }
}
