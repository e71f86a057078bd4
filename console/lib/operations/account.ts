import { graphql, type ResultOf } from '../graphql';

/** Personal access tokens, instance users, project collaborators and training from a CSV. */

export const AccessTokenFields = graphql(`
  fragment AccessTokenFields on AccessToken @_unmask {
    id
    kind
    name
    prefix
    expiresAt
    lastUsedAt
    revokedAt
    createdAt
  }
`);

export type AccessTokenData = ResultOf<typeof AccessTokenFields>;

export const MyAccessTokensQuery = graphql(
  `
    query MyAccessTokens {
      myAccessTokens {
        ...AccessTokenFields
      }
    }
  `,
  [AccessTokenFields],
);

export const CreateAccessTokenMutation = graphql(
  `
    mutation CreateAccessToken($input: CreateAccessTokenInput!) {
      createAccessToken(input: $input) {
        token
        accessToken {
          ...AccessTokenFields
        }
      }
    }
  `,
  [AccessTokenFields],
);

export const RevokeAccessTokenMutation = graphql(
  `
    mutation RevokeAccessToken($id: ID!) {
      revokeAccessToken(id: $id) {
        ...AccessTokenFields
      }
    }
  `,
  [AccessTokenFields],
);

export const UserFields = graphql(`
  fragment UserFields on User @_unmask {
    id
    email
    name
    role
    disabled
    createdAt
  }
`);

export type UserData = ResultOf<typeof UserFields>;

export const UsersQuery = graphql(
  `
    query Users {
      users {
        ...UserFields
      }
    }
  `,
  [UserFields],
);

export const CreateUserMutation = graphql(
  `
    mutation CreateUser($input: CreateUserInput!) {
      createUser(input: $input) {
        ...UserFields
      }
    }
  `,
  [UserFields],
);

export const SetUserDisabledMutation = graphql(
  `
    mutation SetUserDisabled($id: ID!, $disabled: Boolean!) {
      setUserDisabled(id: $id, disabled: $disabled) {
        ...UserFields
      }
    }
  `,
  [UserFields],
);

export const ChangePasswordMutation = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {
      id
      mustChangePassword
    }
  }
`);

export const ResetUserPasswordMutation = graphql(
  `
    mutation ResetUserPassword($id: ID!, $newPassword: String) {
      resetUserPassword(id: $id, newPassword: $newPassword) {
        generatedPassword
        user {
          ...UserFields
        }
      }
    }
  `,
  [UserFields],
);

export const CollaboratorsQuery = graphql(`
  query Collaborators($id: ID!) {
    me {
      id
    }
    project(id: $id) {
      id
      myRole
      collaborators {
        role
        createdAt
        user {
          id
          email
          name
        }
      }
    }
  }
`);

export type CollaboratorData = ResultOf<typeof CollaboratorsQuery>['project']['collaborators'][number];
export type ProjectRoleName = CollaboratorData['role'];

export const AddCollaboratorMutation = graphql(`
  mutation AddCollaborator($projectId: ID!, $email: String!, $role: ProjectRole!) {
    addCollaborator(projectId: $projectId, email: $email, role: $role) {
      role
      user {
        id
      }
    }
  }
`);

export const ChangeCollaboratorRoleMutation = graphql(`
  mutation ChangeCollaboratorRole($projectId: ID!, $userId: ID!, $role: ProjectRole!) {
    changeCollaboratorRole(projectId: $projectId, userId: $userId, role: $role) {
      role
      user {
        id
      }
    }
  }
`);

export const RemoveCollaboratorMutation = graphql(`
  mutation RemoveCollaborator($projectId: ID!, $userId: ID!) {
    removeCollaborator(projectId: $projectId, userId: $userId)
  }
`);

export const CreateExperimentMutation = graphql(`
  mutation CreateExperiment($input: CreateExperimentInput!) {
    createExperiment(input: $input) {
      id
      name
    }
  }
`);

/** What POST /api/v1/projects/{projectId}/datasets answers (the same fields as the Dataset type). */
export const DatasetFields = graphql(`
  fragment DatasetFields on Dataset @_unmask {
    id
    fileName
    rows
    columns
    inferredSchema {
      name
      type
      nullable
      categories
    }
  }
`);

export type DatasetData = ResultOf<typeof DatasetFields>;

export const TrainExperimentVersionMutation = graphql(`
  mutation TrainExperimentVersion($input: TrainVersionInput!) {
    trainExperimentVersion(input: $input) {
      id
      number
      status
    }
  }
`);

export const ImportExperimentVersionMutation = graphql(`
  mutation ImportExperimentVersion($input: ImportVersionInput!) {
    importExperimentVersion(input: $input) {
      id
      number
      status
    }
  }
`);

export const ModelContractProposalQuery = graphql(`
  query ModelContractProposal($experimentId: ID!, $datasetId: ID!, $modelUploadId: ID!) {
    modelContractProposal(experimentId: $experimentId, datasetId: $datasetId, modelUploadId: $modelUploadId) {
      signature
      contract
      problems
    }
  }
`);

export const TrainingProgressSubscription = graphql(`
  subscription TrainingProgress($versionId: ID!) {
    trainingProgress(versionId: $versionId) {
      versionId
      status
      candidate
      epoch
      loss
      valLoss
      message
    }
  }
`);

export type TrainingProgressData = ResultOf<typeof TrainingProgressSubscription>['trainingProgress'];
