import type { z } from 'zod';

/** Field name → the first message about it; what forms render next to each input. */
export type TFieldErrors = Record<string, string>;

export function fieldErrorsOf(error: z.ZodError): TFieldErrors {
  const errors: TFieldErrors = {};
  for (const issue of error.issues) {
    const field = issue.path.map(String).join('.') || 'form';
    errors[field] ??= issue.message;
  }
  return errors;
}

/** The submitted text values of a form, to render it again as the person filled it in. */
export function formValues(form: FormData, fields: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of fields) {
    const value = form.get(field);
    values[field] = typeof value === 'string' ? value : '';
  }
  return values;
}
