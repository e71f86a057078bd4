import { Field, ObjectType, registerEnumType } from 'type-graphql';
import type { FeatureSchema, FeatureType } from '../ml/types';

/** The GraphQL enum of `FeatureType` (a string union in ml/types): the same three values. */
export const FeatureTypeEnum = { numeric: 'numeric', categorical: 'categorical', boolean: 'boolean' } as const satisfies Record<FeatureType, FeatureType>;
registerEnumType(FeatureTypeEnum, {
  name: 'FeatureType',
  description: 'How the values of a feature are read and encoded',
  valuesConfig: {
    numeric: { description: 'Numbers (integers or decimals)' },
    categorical: { description: 'Labels from a set of categories, compared as text' },
    boolean: { description: 'true or false (also 1/0 and yes/no, in any letter case)' },
  },
});

@ObjectType('FeatureSchema', { description: 'One input feature of a version' })
export class FeatureSchemaItem implements FeatureSchema {
  @Field(() => String, { description: 'The column name, as rows must spell it' })
  name: string;

  @Field(() => FeatureTypeEnum, { description: 'How its values are read, encoded and compared for drift' })
  type: FeatureType;

  @Field(() => Boolean, { description: 'Whether a row may omit it; missing values are imputed' })
  nullable: boolean;

  @Field(() => [String], { nullable: true, description: 'Categories seen in training (categorical features)' })
  categories?: string[];
}
