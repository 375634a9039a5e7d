import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents from the service's checked-in SDL; one .graphql file per page or component.
const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['routes/**/*.graphql', 'components/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // Plain query strings: the fetch client needs no GraphQL runtime in the bundle.
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        defaultScalarType: 'unknown',
        // The service sends both as ISO 8601 strings.
        scalars: { Date: 'string', DateTime: 'string' },
        avoidOptionals: true,
      },
    },
  },
};

export default config;
