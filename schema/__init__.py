"""GraphQL types (Strawberry). Nested fields resolve only through ``info.context.loaders``."""
