import { graphql, type ResultOf } from '../graphql';

export const ApiKeysQuery = graphql(`
  query DeploymentApiKeys($id: ID!) {
    deployment(id: $id) {
      id
      slug
      access
      apiKeys {
        id
        name
        prefix
        createdAt
        lastUsedAt
        revokedAt
      }
    }
  }
`);

export const CreateApiKeyMutation = graphql(`
  mutation CreateApiKey($deploymentId: ID!, $name: String!) {
    createApiKey(deploymentId: $deploymentId, name: $name) {
      key
      apiKey {
        id
        name
        prefix
        createdAt
        lastUsedAt
        revokedAt
      }
    }
  }
`);

export const RevokeApiKeyMutation = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      id
      revokedAt
    }
  }
`);

export type ApiKeyData = ResultOf<typeof ApiKeysQuery>['deployment']['apiKeys'][number];
export type CreatedKeyData = ResultOf<typeof CreateApiKeyMutation>['createApiKey'];
