import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { PipelineSourceKind } from './pipeline.entity';

@InputType()
export class CreatePipelineInput {
  @Field(() => ID) deploymentId: string;
  @Field(() => String) name: string;
  @Field(() => PipelineSourceKind) sourceKind: PipelineSourceKind;
  @Field(() => ID, { nullable: true, description: 'dataset sources: an uploaded CSV' }) sourceDatasetId?: string | null;
  @Field(() => ID, { nullable: true, description: 'sql sources: the connector to read from' }) sourceConnectorId?: string | null;
  @Field(() => String, { nullable: true, description: 'sql sources: a SELECT, run read-only' }) sourceSql?: string | null;
  @Field(() => ID, { nullable: true, description: 'Also deliver the predictions to a table on this connector' }) destinationConnectorId?: string | null;
  @Field(() => String, { nullable: true, description: 'Created when missing; each run appends its rows once' }) destinationTable?: string | null;
  @Field(() => String, { nullable: true, description: 'Cron (5 fields), e.g. "0 6 * * 1" for Mondays at 06:00; omitted: manual runs only' }) scheduleCron?: string | null;
  @Field(() => String, { nullable: true, description: 'IANA time zone of the schedule; UTC when omitted' }) scheduleTimezone?: string | null;
  @Field(() => Int, { nullable: true }) retryAttempts?: number | null;
  @Field(() => Int, { nullable: true }) retryBackoffMs?: number | null;
  @Field(() => Float, { nullable: true }) maxErrorRatio?: number | null;
}
