import { gql } from 'urql';

// Hand-typed until the console generates types from schema.graphql.

export type InstanceRole = 'admin' | 'member';
export type ProjectRole = 'admin' | 'contributor' | 'viewer';

export interface Viewer {
  id: string;
  email: string;
  name: string;
  role: InstanceRole;
}

export interface ProjectSummary {
  id: string;
  name: string;
  description: string;
  myRole: ProjectRole | null;
  createdAt: string;
}

export const MeQuery = gql<{ me: Viewer | null }, Record<string, never>>`
  query Me {
    me {
      id
      email
      name
      role
    }
  }
`;

export const ProjectsQuery = gql<{ projects: ProjectSummary[] }, Record<string, never>>`
  query Projects {
    projects {
      id
      name
      description
      myRole
      createdAt
    }
  }
`;

export const LoginMutation = gql<{ login: { user: Viewer } }, { email: string; password: string }>`
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
`;

export const LogoutMutation = gql<{ logout: boolean }, Record<string, never>>`
  mutation Logout {
    logout
  }
`;

export const CreateProjectMutation = gql<{ createProject: ProjectSummary }, { input: { name: string; description?: string } }>`
  mutation CreateProject($input: CreateProjectInput!) {
    createProject(input: $input) {
      id
      name
      description
      myRole
      createdAt
    }
  }
`;
