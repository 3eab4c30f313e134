import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in infra/local/). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Per-machine cache shared by every clone: `${XDG_CACHE_HOME:-~/.cache}/cpa-platform`. */
export function machineCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME?.trim() || path.join(homedir(), '.cache');
  return path.join(base, 'cpa-platform');
}
