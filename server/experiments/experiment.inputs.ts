import { Field, ID, InputType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { ExperimentTask } from './experiment.entity';
import type { FeatureType } from '../ml/types';

@InputType()
export class CreateExperimentInput {
  @Field(() => ID)
  projectId: string;

  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => ExperimentTask)
  task: ExperimentTask;

  @Field(() => String, { description: 'The column the models predict' })
  targetColumn: string;
}

@InputType({ description: 'One input feature; its type overrides the type inferred from the data' })
export class FeatureInput {
  @Field(() => String)
  name: string;

  @Field(() => String, { description: 'numeric | categorical | boolean' })
  type: FeatureType;

  @Field(() => Boolean, { defaultValue: true })
  nullable: boolean;
}

@InputType({ description: 'Import a TF.js or ONNX model uploaded to POST /api/v1/projects/{projectId}/model-uploads, with its reference CSV' })
export class ImportVersionInput {
  @Field(() => ID)
  experimentId: string;

  @Field(() => ID, { description: 'The training or reference data, uploaded like a training CSV' })
  datasetId: string;

  @Field(() => ID)
  modelUploadId: string;

  @Field(() => String, { nullable: true })
  modelName?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [FeatureInput], { nullable: true, description: 'Every column but the target, with inferred types, when omitted' })
  features?: FeatureInput[] | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description:
      'The input and output contract ({input: {kind: berth | features | matrix, …}, output: {kind: berth | probabilities | value, …}}, see README "Bring your own model"); ' +
      'omitted: the one modelContractProposal returns (Berth\'s own encoding for a TF.js model)',
  })
  contract?: Record<string, unknown> | null;

  @Field(() => Boolean, { nullable: true, description: 'Import even when another label order fits the reference data far better (the import refuses and names it otherwise)' })
  acceptLabelOrder?: boolean | null;
}

@InputType({ description: 'Train candidate models on an uploaded CSV (POST /api/v1/projects/{projectId}/datasets)' })
export class TrainVersionInput {
  @Field(() => ID)
  experimentId: string;

  @Field(() => ID)
  datasetId: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [FeatureInput], { nullable: true, description: 'Every column but the target, with inferred types, when omitted' })
  features?: FeatureInput[] | null;
}
