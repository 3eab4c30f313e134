import { z } from 'zod';

/**
 * Parses process.env (or a given record) with a zod object schema and fails fast,
 * naming every missing or malformed variable at once.
 */
export function parseEnv<S extends z.ZodObject>(
  processName: string,
  schema: S,
  source: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(root)';
    return `  - ${name}: ${issue.message}`;
  });
  throw new EnvError(
    `${processName}: invalid configuration\n${lines.join('\n')}\nSee .env.example for every variable.`,
  );
}

export class EnvError extends Error {
  override name = 'EnvError';
}

/** A URL-valued variable. */
export const zUrl = z.string().trim().url();
/** A TCP port. */
export const zPort = z.coerce.number().int().min(1).max(65535);
