import { ValidationError } from './errors.js';

/**
 * The Standard Schema interface (standardschema.dev), which zod, valibot and arktype implement:
 * a queue's schema may come from any of them. Copied here as the spec asks, types only.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    /** The value parsed, or the issues that make it invalid. */
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/**
 * What a schema's `validate` returns: the value, or the issues.
 * @inline
 */
type StandardResult<Output> =
  { readonly value: Output; readonly issues?: undefined } | { readonly issues: readonly StandardIssue[] };

interface StandardIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/** Resolves when `value` satisfies `schema`; otherwise rejects with a `ValidationError`. */
export async function validateBody(schema: StandardSchemaV1, queue: string, value: unknown): Promise<void> {
  const result = await schema['~standard'].validate(value);
  if (!result.issues) return;
  const issues = result.issues.map((issue) => ({
    path: (issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part)).join('.'),
    message: issue.message,
  }));
  throw new ValidationError(queue, issues);
}
