// The lint gate (`pnpm lint`, part of `pnpm test` and CI). Type-aware rules catch what strict
// TypeScript does not: promises nobody awaits, `any` leaking from a parse, a switch that forgot
// a case. The package graph's direction is held by test/workspace.test.ts against
// docs/architecture.md, and by the rules below that keep a package out of another's src/ and
// the tests' helpers (@portico/test-support) out of code that ships.
import tseslint from 'typescript-eslint';

/** Packages are imported by name and through their exports, everywhere. */
const packagePaths = [
  {
    regex: '^(\\.\\./)+(packages/)?[a-z-]+/src/',
    message: 'Import another package by its name (@portico/NAME), never by a path into its src/.',
  },
  {
    regex: '^@portico/[a-z-]+/(src|dist)/',
    message: 'Import a package through its exports, never a file inside it.',
  },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A dropped promise is a lost error or a request left hanging.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      // A state or event union that grows a member must fail every switch that forgot it.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // A callback declared as a method may need its object (a class instance's fields): an engine
      // that detaches one (`const f = dispatch.release`) calls it with the wrong `this`.
      '@typescript-eslint/unbound-method': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': ['error', { patterns: packagePaths }],
    },
  },
  {
    // In what ships, `any` from JSON, a header map or a catch must be narrowed before it is used.
    // Tests may read a fixture's JSON or YAML loosely: an assertion fails where a shape is wrong.
    files: ['packages/*/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      // The tests' own helpers are private and never installed with Portico: code that ships and
      // imported one would fail for every user. (A later block's options replace an earlier one's,
      // so the package-path patterns are repeated here.) test/workspace.test.ts holds this rule.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...packagePaths,
            {
              regex: '^@portico/test-support(/|$)',
              message: 'Code that ships never imports @portico/test-support: it holds the tests\' helpers, is private and is not installed with Portico. Move what both need into src/.',
            },
          ],
        },
      ],
      // A class's mutable state is its own (`#field`): a subclass or layer reads it through a
      // getter and changes it through a method named for the change, which can keep its invariants
      // (the UpstreamExchange layers, docs/architecture.md). Shared references stay `protected readonly`.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'PropertyDefinition[accessibility="protected"][readonly!=true]',
          message: 'Keep mutable state private (#field); give subclasses a getter and a method named for the change.',
        },
      ],
    },
  },
);
