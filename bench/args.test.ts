import { describe, expect, it } from 'vitest';
import { benchmarkGroups, parseBenchArgs, runProfiles } from './args';

describe('benchmark command line', () => {
  it('runs every group at full size by default and fails on a missed target', () => {
    expect(parseBenchArgs([])).toEqual({
      kind: 'run',
      args: {
        quick: false,
        clients: runProfiles.full.clients,
        iterations: runProfiles.full.iterations,
        warmup: runProfiles.full.warmup,
        auditEvents: runProfiles.full.auditEvents,
        only: [...benchmarkGroups],
        failOnMiss: true,
        outDir: '.data/bench',
      },
    });
  });

  it('uses the quick profile with --quick, and explicit sizes over either profile', () => {
    const quick = parseBenchArgs(['--quick']);
    expect(quick.kind === 'run' && quick.args).toMatchObject({
      quick: true,
      clients: runProfiles.quick.clients,
      iterations: runProfiles.quick.iterations,
    });
    const sized = parseBenchArgs(['--quick', '--clients', '500', '--iterations', '9', '--warmup', '0']);
    expect(sized.kind === 'run' && sized.args).toMatchObject({ clients: 500, iterations: 9, warmup: 0 });
  });

  it('keeps exiting 0 on a miss with --no-fail or --report-only', () => {
    for (const flag of ['--no-fail', '--report-only']) {
      const parsed = parseBenchArgs([flag]);
      expect(parsed.kind === 'run' && parsed.args.failOnMiss).toBe(false);
    }
  });

  it('runs only the named groups, each once', () => {
    const parsed = parseBenchArgs(['--only', 'payload-codec, lists,payload-codec']);
    expect(parsed.kind === 'run' && parsed.args.only).toEqual(['payload-codec', 'lists']);
  });

  it('answers help', () => {
    expect(parseBenchArgs(['-h'])).toEqual({ kind: 'help' });
  });

  it('explains bad input instead of running', () => {
    const cases: [string[], string][] = [
      [['--clients', 'many'], '--clients: must be a whole number'],
      [['--clients', '10'], '--clients: must be at least 100'],
      [['--iterations', '2'], '--iterations: must be at least 5'],
      [['--audit-events', '500'], '--audit-events: must be at least 10,000'],
      [['--only', 'lists,disk'], 'unknown group "disk"'],
      [['--fast'], "Unknown option '--fast'"],
      [['extra'], 'extra'],
    ];
    for (const [argv, message] of cases) {
      const parsed = parseBenchArgs(argv);
      expect(parsed.kind).toBe('error');
      expect(parsed.kind === 'error' && parsed.message).toContain(message);
    }
  });
});
