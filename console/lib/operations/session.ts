import { graphql, type ResultOf } from '../graphql';

export const MeQuery = graphql(`
  query Me {
    me {
      id
      email
      name
      role
      mustChangePassword
    }
  }
`);

export const ProjectsQuery = graphql(`
  query Projects {
    projects {
      id
      name
      description
      myRole
      createdAt
    }
  }
`);

export type ProjectSummary = ResultOf<typeof ProjectsQuery>['projects'][number];

export const LoginMutation = graphql(`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      user {
        id
        email
        name
        role
      }
    }
  }
`);

export const LogoutMutation = graphql(`
  mutation Logout {
    logout
  }
`);

export const CreateProjectMutation = graphql(`
  mutation CreateProject($input: CreateProjectInput!) {
    createProject(input: $input) {
      id
      name
      description
      myRole
      createdAt
    }
  }
`);
