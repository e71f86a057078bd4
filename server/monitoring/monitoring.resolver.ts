import { Repeater } from '@graphql-yoga/subscription';
import { Arg, Ctx, Field, Float, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { LiveUsage } from './usage';
import type { Context } from '../graphql/context';
import { ProjectRole } from '../projects/collaborator.entity';
import type { DriftThresholds as Thresholds } from './drift/calibration';
import { stepFor } from './monitoring.service';
import { badInput } from '../platform/errors';

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
  @Field(() => Float, { deprecationReason: DATASET_SHARE }) datasetShare: number;
}

@InputType()
class DriftThresholdsInput {
  @Field(() => Float, { nullable: true, description: SIGNIFICANCE }) significance?: number;
  @Field(() => Float, { nullable: true, description: JS_FLOOR }) jensenShannon?: number;
  @Field(() => Float, { nullable: true, description: W_FLOOR }) wasserstein?: number;
  @Field(() => Float, { nullable: true, description: MISSING_FLOOR }) missingShare?: number;
  @Field(() => Int, { nullable: true, description: MIN_ROWS }) minRows?: number;
  @Field(() => Float, { nullable: true, deprecationReason: DATASET_SHARE }) datasetShare?: number;
}

@ObjectType({ description: 'The change in the share of missing values of a feature, judged on its own (not as drift of the distribution)' })
class MissingShareDrift {
  @Field(() => Float, { description: 'Share of missing values in the training data' }) reference: number;
  @Field(() => Float, { description: 'Share of missing values in the live rows' }) current: number;
  @Field(() => Float, { description: 'Two-proportion test, before correction' }) pValue: number;
  @Field(() => Float, { description: "After Holm's correction over the features" }) adjustedPValue: number;
  @Field(() => Boolean, { description: 'Significant after correction and at least the missingShare floor apart' }) changed: boolean;
}

@ObjectType({ description: 'A live distribution against its reference, on the same bins' })
class DistributionDrift {
  @Field(() => Int, { description: 'Live rows counted, missing values included' }) rows: number;
  @Field(() => Boolean, { description: 'False: fewer live rows than minRows, no scores' }) enoughData: boolean;
  @Field(() => Float, { nullable: true, description: 'Population stability index of present values' }) psi?: number;
  @Field(() => String, { nullable: true, description: 'Rule of thumb that ignores the number of rows, never the verdict: stable (< 0.1), moderate (0.1–0.25), significant (≥ 0.25)' }) psiBand?: string;
  @Field(() => Float, { nullable: true, description: 'Jensen–Shannon distance (base 2) of present values' }) jensenShannon?: number;
  @Field(() => Float, { nullable: true, description: 'Numeric only, in reference standard deviations; a bin approximation (exact for discrete features)' }) wasserstein?: number;
  @Field(() => Float, { nullable: true, description: 'Upper bound of the bin approximation of wasserstein, in standard deviations' }) wassersteinError?: number;
  @Field(() => Boolean, { description: 'Significant after the correction over the features, and an effect at least its floor' }) drifted: boolean;
  @Field(() => String, { nullable: true, description: 'The test the verdict rests on: rank-sum (numeric shifts) or chi-square (bin counts)' }) test?: string;
  @Field(() => Float, { nullable: true, description: 'z for rank-sum, χ² for chi-square' }) statistic?: number;
  @Field(() => Int, { nullable: true, description: 'Degrees of freedom of χ²; 0 for rank-sum' }) df?: number;
  @Field(() => Float, { nullable: true, description: 'p-value of the test, before correction' }) pValue?: number;
  @Field(() => Float, { nullable: true, description: 'p-value after the correction over the features, compared with significance' }) adjustedPValue?: number;
  @Field(() => Float, { nullable: true }) significance?: number;
  @Field(() => String, { nullable: true, description: 'jensenShannon | wasserstein: the effect size the floor applies to' }) effect?: string;
  @Field(() => Float, { nullable: true }) effectSize?: number;
  @Field(() => Float, { nullable: true }) effectFloor?: number;
  @Field(() => Float, { nullable: true, description: 'About the effect size this window needs to be told from noise (floor included), in the effect\'s units' }) windowThreshold?: number;
  @Field(() => String, { description: 'The verdict in one sentence: which test, its value, the threshold for this window' }) reason: string;
  @Field(() => MissingShareDrift, { nullable: true, description: 'Features only' }) missing?: MissingShareDrift;
  @Field(() => [String], { description: 'One name per bin' }) labels: string[];
  @Field(() => [Float], { description: 'Training shares per bin' }) reference: number[];
  @Field(() => [Float], { description: 'Live shares per bin' }) current: number[];
}

@ObjectType()
class FeatureDrift extends DistributionDrift {
  @Field(() => String) feature: string;
  @Field(() => String) type: string;
}

@ObjectType()
class PredictionDrift extends DistributionDrift {
  @Field(() => String, { description: 'main | challenger' }) role: string;
  @Field(() => ID) modelId: string;
}

@ObjectType({ description: 'Drift of live data against the training data, over a range of whole hours' })
class DriftReport {
  @Field(() => Date) from: Date;
  @Field(() => Date) to: Date;
  @Field(() => Boolean, { description: 'At least one feature had enough rows to be scored' }) enoughData: boolean;
  @Field(() => Boolean, { description: 'Any feature drifted (significant after the correction over the features)' }) drifted: boolean;
  @Field(() => [String]) driftedFeatures: string[];
  @Field(() => Float, { description: 'Drifted features over scored features' }) share: number;
  @Field(() => Float, { description: 'The share expected without any drift (at most significance / scored features), to read share against' }) expectedShare: number;
  @Field(() => [String], { description: 'Features whose share of missing values changed (not counted as drift)' }) missingChangedFeatures: string[];
  @Field(() => DriftThresholds) thresholds: DriftThresholds;
  @Field(() => [FeatureDrift]) features: FeatureDrift[];
  @Field(() => [PredictionDrift]) predictions: PredictionDrift[];
}

@ObjectType()
class TrafficPoint {
  @Field(() => Date) time: Date;
  @Field(() => String) role: string;
  @Field(() => Int) requests: number;
  @Field(() => Int) rows: number;
  @Field(() => Int) errors: number;
  @Field(() => Int, { description: 'Challenger rows shed by a full queue' }) shed: number;
  @Field(() => Float, { nullable: true }) latencyP50Ms: number | null;
  @Field(() => Float, { nullable: true }) latencyP95Ms: number | null;
}

@ObjectType()
class DriftPoint {
  @Field(() => Date) time: Date;
  @Field(() => String) feature: string;
  @Field(() => Int) rows: number;
  @Field(() => Float, { nullable: true }) jensenShannon: number | null;
  @Field(() => Float, { nullable: true }) wasserstein: number | null;
  @Field(() => Float, { nullable: true, description: "p-value after the correction over this point's features" }) adjustedPValue: number | null;
  @Field(() => Boolean, { description: 'The same rule as deploymentDrift, applied to this hour or day' }) drifted: boolean;
  @Field(() => Boolean) missingChanged: boolean;
  @Field(() => String) reason: string;
}

@ObjectType({ description: 'Main vs challenger on the same requests' })
class Comparison {
  @Field(() => Int) pairs: number;
  @Field(() => Float, { nullable: true, description: 'Classification: share of rows with the same label' }) agreementRate: number | null;
  @Field(() => Float, { nullable: true, description: 'Regression: mean absolute difference' }) meanAbsoluteDifference: number | null;
  @Field(() => Float, { nullable: true, description: 'Regression: Pearson correlation' }) correlation: number | null;
  @Field(() => ID, { nullable: true }) challengerModelId: string | null;
  @Field(() => Int) challengerShed: number;
  @Field(() => Int) challengerFailed: number;
  @Field(() => Float, { nullable: true }) mainLatencyP50Ms: number | null;
  @Field(() => Float, { nullable: true }) challengerLatencyP50Ms: number | null;
}

@ObjectType({ description: 'Performance on rows whose ground truth arrived (POST /api/v1/deployments/{slug}/feedback)' })
class PerformancePoint {
  @Field(() => Date) time: Date;
  @Field(() => String) role: string;
  @Field(() => Int) rows: number;
  @Field(() => Float, { nullable: true }) accuracy: number | null;
  @Field(() => Float, { nullable: true }) macroF1: number | null;
  @Field(() => Float, { nullable: true }) rmse: number | null;
  @Field(() => Float, { nullable: true }) mae: number | null;
}

@ObjectType({ description: "A deployment's monitoring over a range of whole hours" })
class Monitoring {
  @Field(() => Date) from: Date;
  @Field(() => Date) to: Date;
  @Field(() => String, { description: 'hour | day: the width of each traffic point; a day point\'s time is its UTC midnight' }) trafficStep: string;
  @Field(() => [TrafficPoint]) traffic: TrafficPoint[];
  @Field(() => [DriftPoint]) driftOverTime: DriftPoint[];
  @Field(() => Comparison) comparison: Comparison;
  @Field(() => [PerformancePoint]) performance: PerformancePoint[];
}

@ObjectType({ description: "CPU and memory of a deployment's inference and preprocessing, per minute, with the process totals beside them" })
class UsagePoint {
  @Field(() => Date) minute: Date;
  @Field(() => Float, { description: 'CPU seconds spent in this deployment\'s preprocessing and model calls' }) cpuSeconds: number;
  @Field(() => Float, { description: 'Bytes held by its loaded models (largest in the minute)' }) memoryBytes: number;
  @Field(() => Int) requests: number;
  @Field(() => Int) errors: number;
  @Field(() => Float, { nullable: true, description: 'CPU seconds of the whole process, to judge the attribution' }) processCpuSeconds: number | null;
  @Field(() => Float, { nullable: true }) processRssBytes: number | null;
}

@ObjectType({ description: 'Live figures of a deployment over the last seconds, on the server you are connected to' })
class LiveMetrics {
  @Field(() => Date) at: Date;
  @Field(() => Float) requestsPerSecond: number;
  @Field(() => Float) errorsPerSecond: number;
  @Field(() => Float) rowsPerSecond: number;
  @Field(() => Float, { nullable: true }) p50Ms: number | null;
  @Field(() => Float, { nullable: true }) p95Ms: number | null;
  @Field(() => Float) cpuSecondsPerSecond: number;
  @Field(() => Float) memoryBytes: number;
}

@Resolver()
export class MonitoringResolver {
  @Query(() => [UsagePoint], { description: 'One point per minute; at most 7 days; the last hour by default' })
  async deploymentUsage(
    @Arg('deploymentId', () => ID) deploymentId: string,
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
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
  deploymentMetrics(@Arg('deploymentId', () => ID) _deploymentId: string, @Root() live: LiveUsage): LiveMetrics {
    return live;
  }

  @Query(() => DriftReport, { description: 'Input and prediction drift; by default since the current version was switched in' })
  async deploymentDrift(
    @Arg('deploymentId', () => ID) deploymentId: string,
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Ctx() { services, viewer }: Context,
  ): Promise<DriftReport> {
    const deployment = await services.policy.inProject(viewer, 'Deployment', deploymentId, ProjectRole.viewer, (id) => services.deployments.get(id));
    return services.monitoring.drift(deployment, await services.monitoring.range(deployment, from, to)) as Promise<DriftReport>;
  }

  @Query(() => Monitoring, { description: 'Traffic, latency, drift over time and main vs challenger' })
  async deploymentMonitoring(
    @Arg('deploymentId', () => ID) deploymentId: string,
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Arg('granularity', () => String, { defaultValue: 'day', description: 'day | hour, for drift over time' }) granularity: string,
    @Arg('trafficStep', () => String, { nullable: true, description: 'hour | day, for traffic; by default hour for ranges up to 2 days, day beyond' }) trafficStep: string | null,
    @Ctx() { services, viewer }: Context,
  ): Promise<Monitoring> {
    const deployment = await services.policy.inProject(viewer, 'Deployment', deploymentId, ProjectRole.viewer, (id) => services.deployments.get(id));
    if (trafficStep !== null && trafficStep !== undefined && trafficStep !== 'hour' && trafficStep !== 'day') throw badInput('trafficStep', 'must be hour or day');
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
  async setDriftThresholds(@Arg('deploymentId', () => ID) deploymentId: string, @Arg('input', () => DriftThresholdsInput) input: DriftThresholdsInput, @Ctx() { services, viewer }: Context): Promise<Thresholds> {
    const deployment = await services.policy.inProject(viewer, 'Deployment', deploymentId, ProjectRole.contributor, (id) => services.deployments.get(id));
    return services.monitoring.setThresholds(deployment, input);
  }
}
