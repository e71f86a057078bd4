import { Field, ObjectType } from 'type-graphql';
import type { FeatureSchema, FeatureType } from '../ml/types';

@ObjectType('FeatureSchema', { description: 'One input feature of a version' })
export class FeatureSchemaItem implements FeatureSchema {
  @Field(() => String)
  name: string;

  @Field(() => String, { description: 'numeric | categorical | boolean' })
  type: FeatureType;

  @Field(() => Boolean, { description: 'Whether a row may omit it; missing values are imputed' })
  nullable: boolean;

  @Field(() => [String], { nullable: true, description: 'Categories seen in training (categorical features)' })
  categories?: string[];
}
