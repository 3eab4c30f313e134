// ESLint flat config. Besides type-aware TypeScript rules, it enforces the dependency direction of
// ARCHITECTURE.md: each top-level folder may import only what sits below it.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TS_FILES = ['**/*.{ts,tsx}'];
// Tests wire layers together (a worker, a client, the database), so the boundaries below leave them alone.
const TEST_FILES = ['**/*.test.{ts,tsx}', '**/tests/support/**/*.ts'];

/** Escapes a string for use inside a RegExp. */
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * A regex source matching imports of the project's top-level folders, whether written as a relative
 * path (`../db/x`, `../../db/x`) or as a package.json `imports` alias (`#db/x`). A relative import is
 * matched on the folder name after the leading `../` segments, so a subfolder named like a
 * top-level folder (say `web/app/db/`) would be taken for it: avoid such names.
 */
const projectFolder = (folders, rest = '(?:/|$)') => `^(?:(?:\\.\\./)+|#)(?:${folders.join('|')})${rest}`;

/** A regex source matching any of the given packages or their subpaths. */
const packages = (names) => `^(?:${names.map(escape).join('|')})(?:/|$)`;

/** Ends of a specifier that names a workflow implementation file. */
const WORKFLOW_FILE = String.raw`\.workflow(?:\.[cm]?[jt]sx?)?$`;
const CONTRACTS_FILE = String.raw`\.contracts(?:\.[cm]?[jt]sx?)?$`;

const restrict = (patterns) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns }] });

// --- workflows/: code that runs inside Temporal's deterministic sandbox -------------------------------
const WORKFLOW_ALLOWED_PACKAGES = ['@temporalio/workflow', '@temporalio/common', 'zod', 'ms'];
const WORKFLOW_IO_PACKAGES = ['@mikro-orm', 'ioredis', 'nodemailer', '@azure', 'stripe', 'intuit-oauth'];
const TEMPORAL_OUTSIDE_SANDBOX = [
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
];
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'));

const workflowPatterns = [
  {
    regex: `^node:|${packages(nodeBuiltins)}`,
    message:
      'Workflow code runs in a deterministic sandbox without Node built-ins: do I/O, time and randomness in an activity (or use @temporalio/workflow).',
  },
  {
    regex: packages(TEMPORAL_OUTSIDE_SANDBOX),
    message:
      'Workflows may use only @temporalio/workflow and @temporalio/common; the client, worker and activity packages belong to web/, workers/ and activities/.',
  },
  {
    regex: packages(WORKFLOW_IO_PACKAGES),
    message:
      'Databases, caches, email, storage and payment providers are reached from activities, never from workflow code.',
  },
  {
    regex: projectFolder(['db', 'integrations', 'web', 'workers', 'scripts', 'infra', 'tests']),
    message:
      'Workflows import only files in workflows/ and pure helpers in lib/; reach db/ and integrations/ through activities.',
  },
  {
    regex: projectFolder(['lib/env']),
    message:
      'lib/env reads process.env, which the workflow sandbox does not have: pass configuration in the workflow input.',
  },
  {
    regex: projectFolder(['activities']),
    allowTypeImports: true,
    message:
      'Workflows may import activities only as types (`import type`) for proxyActivities<typeof ...>(); the implementation runs in the worker.',
  },
  {
    // Everything else that is not relative or allowed. Built so that it never repeats a pattern above.
    regex: `^(?![.#]|node:|${packages([...WORKFLOW_ALLOWED_PACKAGES, ...nodeBuiltins, ...WORKFLOW_IO_PACKAGES, ...TEMPORAL_OUTSIDE_SANDBOX])})`,
    message: `Workflows may import only ${WORKFLOW_ALLOWED_PACKAGES.join(', ')} and relative files in workflows/ or lib/: the sandbox must stay deterministic.`,
  },
];

// --- the other layers -------------------------------------------------------------------------------
const webPatterns = [
  {
    regex: WORKFLOW_FILE,
    message:
      'The web app must not import workflow implementations: import the domain `*.contracts` module and start or signal the workflow through the Temporal client.',
  },
  {
    regex: projectFolder(['activities', 'workers']),
    message:
      'The web app does not run activities or workers: call shared domain functions in db/ and talk to workflows through their contracts.',
  },
  {
    regex: packages(['@temporalio/worker']),
    message: 'The web app is a Temporal client only: use @temporalio/client.',
  },
];

const dbPatterns = [
  {
    regex: projectFolder(['web', 'activities', 'workers']),
    message: 'db/ sits below web/, activities/ and workers/: it must not import them.',
  },
  {
    regex: projectFolder(['workflows'], `/(?!.*${CONTRACTS_FILE})`),
    message: 'db/ must not depend on workflows; at most a `*.contracts` module, as `import type`.',
  },
  {
    regex: projectFolder(['workflows'], `/.*${CONTRACTS_FILE}`),
    allowTypeImports: true,
    message:
      'db/ may import workflow contracts only as types (`import type`), so the database layer stays free of Temporal.',
  },
  {
    regex: packages(['@temporalio']),
    message: 'db/ stays free of Temporal: the workflow ID and stage arrive as plain values from activities.',
  },
];

const activityPatterns = [
  {
    regex: projectFolder(['web', 'workers']),
    message: 'Activities sit below web/ and workers/: depend on db/, integrations/ and lib/ instead.',
  },
  {
    regex: WORKFLOW_FILE,
    message:
      'Activities must not import workflow implementations; shared types and errors live in the `*.contracts` module.',
  },
];

const integrationPatterns = [
  {
    regex: projectFolder(['web', 'workflows', 'activities', 'workers', 'db']),
    message:
      'integrations/ holds vendor adapters behind small interfaces: they must not know about the app, Temporal code or the database layer.',
  },
];

const libPatterns = [
  {
    regex: projectFolder([
      'db',
      'workflows',
      'activities',
      'workers',
      'web',
      'integrations',
      'scripts',
      'infra',
      'tests',
    ]),
    message: 'lib/ holds pure cross-cutting helpers: it may import packages and other lib/ files only.',
  },
];

const boundary = (folder, patterns) => ({
  name: `cpa/boundaries/${folder}`,
  files: [`${folder}/**/*.{ts,tsx}`],
  ignores: TEST_FILES,
  rules: restrict(patterns),
});

export default defineConfig([
  globalIgnores(['node_modules', '.tools', '.data', '.cache', 'web/build', 'coverage', 'tests/histories']),

  { name: 'cpa/javascript', files: ['**/*.{js,mjs,cjs}'], extends: [js.configs.recommended] },
  { name: 'cpa/node-globals', languageOptions: { globals: globals.node } },

  {
    name: 'cpa/typescript',
    files: TS_FILES,
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },

  {
    name: 'cpa/web-app',
    files: ['web/app/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: globals.browser },
    rules: reactHooks.configs.recommended.rules,
  },

  boundary('workflows', workflowPatterns),
  boundary('web', webPatterns),
  boundary('db', dbPatterns),
  boundary('activities', activityPatterns),
  boundary('integrations', integrationPatterns),
  boundary('lib', libPatterns),
]);
