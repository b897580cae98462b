import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Need Docker or Podman: `pnpm test:containers`, which CI runs once it has built the broker images.
    exclude: ['src/**/*.containers.test.ts', '**/node_modules/**'],
  },
});
