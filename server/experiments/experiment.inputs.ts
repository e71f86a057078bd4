import { Field, ID, InputType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { ExperimentTask } from './experiment.entity';
import { FeatureTypeEnum } from './feature-schema.type';
import type { FeatureType } from '../ml/types';

@InputType({ description: 'A new experiment: what to predict from which column' })
export class CreateExperimentInput {
  @Field(() => ID, { description: 'The project to create it in' })
  projectId: string;

  @Field(() => String, { description: 'Its name in the project' })
  name: string;

  @Field(() => String, { nullable: true, description: 'Free text; empty when omitted' })
  description?: string | null;

  @Field(() => ExperimentTask, { description: 'What the models predict' })
  task: ExperimentTask;

  @Field(() => String, { description: 'The column the models predict' })
  targetColumn: string;
}

@InputType({ description: 'One input feature; its type overrides the type inferred from the data' })
export class FeatureInput {
  @Field(() => String, { description: 'A column of the dataset' })
  name: string;

  @Field(() => FeatureTypeEnum, { description: 'How its values are read and encoded' })
  type: FeatureType;

  @Field(() => Boolean, { defaultValue: true, description: 'Whether a row may omit it; missing values are imputed' })
  nullable: boolean;
}

@InputType({ description: 'Import a TF.js or ONNX model uploaded to POST /api/v1/projects/{projectId}/model-uploads, with its reference CSV' })
export class ImportVersionInput {
  @Field(() => ID, { description: 'The experiment to add the version to' })
  experimentId: string;

  @Field(() => ID, { description: 'The training or reference data, uploaded like a training CSV' })
  datasetId: string;

  @Field(() => ID, { description: 'The id POST /api/v1/projects/{projectId}/model-uploads answered' })
  modelUploadId: string;

  @Field(() => String, { nullable: true, description: "The imported model's name; the uploaded file's name when omitted" })
  modelName?: string | null;

  @Field(() => String, { nullable: true, description: 'Free text; empty when omitted' })
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
  @Field(() => ID, { description: 'The experiment to add the version to' })
  experimentId: string;

  @Field(() => ID, { description: 'The training data, with the target column' })
  datasetId: string;

  @Field(() => String, { nullable: true, description: 'Free text; empty when omitted' })
  description?: string | null;

  @Field(() => [FeatureInput], { nullable: true, description: 'Every column but the target, with inferred types, when omitted' })
  features?: FeatureInput[] | null;
}
