import { graphql, type ResultOf } from '../graphql';

export const ConnectorFields = graphql(`
  fragment ConnectorFields on Connector @_unmask {
    id
    name
    host
    port
    database
    user
    tlsMode
    hasPassword
    createdAt
  }
`);

export const ConnectorsQuery = graphql(
  `
    query ProjectConnectors($projectId: ID!) {
      connectors(projectId: $projectId) {
        ...ConnectorFields
      }
    }
  `,
  [ConnectorFields],
);

export type ConnectorData = ResultOf<typeof ConnectorsQuery>['connectors'][number];

export const UpdateConnectorMutation = graphql(
  `
    mutation UpdateConnector($input: UpdateConnectorInput!) {
      updateConnector(input: $input) {
        ...ConnectorFields
      }
    }
  `,
  [ConnectorFields],
);

export const CreateConnectorMutation = graphql(
  `
    mutation CreateConnector($input: CreateConnectorInput!) {
      createConnector(input: $input) {
        ...ConnectorFields
      }
    }
  `,
  [ConnectorFields],
);

export const TestConnectorMutation = graphql(`
  mutation TestConnector($id: ID!) {
    testConnector(id: $id) {
      ok
      reachable
      authenticated
      canRead
      canCreateTables
      message
    }
  }
`);

export type ConnectorTestData = ResultOf<typeof TestConnectorMutation>['testConnector'];

export const DeleteConnectorMutation = graphql(`
  mutation DeleteConnector($id: ID!) {
    deleteConnector(id: $id)
  }
`);
