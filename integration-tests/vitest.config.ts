import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    exclude: ['src/faults/**', '**/node_modules/**'], // pnpm test:faults runs those
    globalSetup: ['./src/global-setup.ts'],
    // Brokers are shared by the files of one run; files run one after another so that a broker
    // restart in one file cannot disturb another.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 240_000,
  },
});
