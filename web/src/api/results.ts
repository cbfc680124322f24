/** Mutations answer with result unions: branch on __typename, never on exceptions. */
import type { ErrorMember, FieldError } from './types';

const ERROR_TYPENAMES = new Set([
  'ValidationError',
  'ConflictError',
  'NotFoundError',
  'PermissionDeniedError',
  'AuthenticationError',
  'IntegrationError',
]);

export type Outcome<S> =
  | { ok: true; value: S }
  | { ok: false; error: ErrorMember; fields: Record<string, string> };

export function isErrorMember(result: { __typename: string }): result is ErrorMember {
  return ERROR_TYPENAMES.has(result.__typename);
}

/** Field name -> message for a ValidationError (first message per field wins). */
export function fieldMessages(fields: FieldError[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields ?? []) {
    if (!(f.field in out)) out[f.field] = f.message;
  }
  return out;
}

/** Narrow a union result to its success member or its error member. */
export function outcome<S extends { __typename: string }>(result: S | ErrorMember): Outcome<S> {
  if (isErrorMember(result)) {
    return { ok: false, error: result, fields: fieldMessages(result.fields) };
  }
  return { ok: true, value: result as S };
}
