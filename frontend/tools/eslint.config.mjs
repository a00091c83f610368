// ESLint for the app (`npm run lint` in frontend/, which also checks Prettier's formatting). It lives beside the tools
// because typescript-eslint needs TypeScript 5's compiler API; the app type-checks with TypeScript 7.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'tools/**', 'dist/**', 'src/generated/**', 'public/**'] },
  {
    files: ['src/**/*.ts', 'vite.config.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: globals.browser },
    rules: {
      // The type-checker already reports unused names (noUnusedLocals, noUnusedParameters).
      '@typescript-eslint/no-unused-vars': 'off',
      eqeqeq: ['error', 'always'],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['e2e/**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: { eqeqeq: ['error', 'always'] },
  },
);
