import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { PipelineSourceKind } from './pipeline.entity';

@InputType({ description: 'A new pipeline' })
export class CreatePipelineInput {
  @Field(() => ID, { description: 'The deployment whose models predict' }) deploymentId: string;
  @Field(() => String, { description: 'Its name' }) name: string;
  @Field(() => PipelineSourceKind, { description: 'Where its rows come from' }) sourceKind: PipelineSourceKind;
  @Field(() => ID, { nullable: true, description: 'Dataset sources: an uploaded CSV' }) sourceDatasetId?: string | null;
  @Field(() => ID, { nullable: true, description: 'SQL sources: the connector to read from' }) sourceConnectorId?: string | null;
  @Field(() => String, { nullable: true, description: 'SQL sources: a SELECT, run read-only' }) sourceSql?: string | null;
  @Field(() => ID, { nullable: true, description: 'Also deliver the predictions to a table on this connector' }) destinationConnectorId?: string | null;
  @Field(() => String, { nullable: true, description: 'Created when missing; each run appends its rows once' }) destinationTable?: string | null;
  @Field(() => String, { nullable: true, description: 'Cron (5 fields), e.g. "0 6 * * 1" for Mondays at 06:00; omitted: manual runs only' }) scheduleCron?: string | null;
  @Field(() => String, { nullable: true, description: 'IANA time zone of the schedule; UTC when omitted' }) scheduleTimezone?: string | null;
  @Field(() => Int, { nullable: true, description: 'Extra attempts after a failed run, 0 to 10; 0 when omitted' }) retryAttempts?: number | null;
  @Field(() => Int, { nullable: true, description: 'Wait before each retry in milliseconds, up to one day; 60000 when omitted' }) retryBackoffMs?: number | null;
  @Field(() => Float, { nullable: true, description: 'The run fails when more than this share of rows (0 to 1) is invalid; 0.1 when omitted' }) maxErrorRatio?: number | null;
}
