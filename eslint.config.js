import { builtinModules } from 'node:module'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'

// Layer rules (STYLE.md): the core and the shared contract never touch Electron or React;
// the renderer never touches Node or the core. A crossing is a lint error, so `npm run check`
// and CI fail on it.
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)]
const electronAndUi = [
  { name: 'electron', message: 'src/core and src/shared must run without Electron; put Electron glue in src/main.' },
  { name: 'react', message: 'src/core and src/shared must not depend on React.' },
  { name: 'react-dom', message: 'src/core and src/shared must not depend on React.' },
]

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'native/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/server/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: electronAndUi, patterns: [{ group: ['@mantine/*', '**/renderer/**'], message: 'No UI code below src/core.' }] }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...electronAndUi, ...nodeBuiltins.map((name) => ({ name, message: 'src/shared is used by the renderer too: no Node built-ins.' }))],
          patterns: [{ group: ['**/core/**', '**/main/**', '**/renderer/**'], message: 'src/shared depends on nothing else of the app.' }],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The renderer talks to the app only through its api client.' },
            ...nodeBuiltins.map((name) => ({ name, message: 'The renderer runs in a sandboxed page: no Node built-ins.' })),
          ],
          // relative paths only: '@mantine/core' is a package, '../../core/app' is the app's core
          patterns: [{ regex: '^\\.{1,2}/(.*/)?(core|main|preload|server|cli)(/|$)', message: 'The renderer talks to the core only through its api client (src/renderer/src/api).' }],
        },
      ],
    },
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/core/**', '**/main/**'], message: 'The preload only exposes the typed bridge.' }] }],
    },
  },
)
