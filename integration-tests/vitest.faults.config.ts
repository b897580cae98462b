import { defineConfig } from 'vitest/config';

// pnpm test:faults: faults, bad input and load against real brokers (src/faults/), one file after
// another; each scenario appends a row that write-reliability.ts turns into RELIABILITY.md.
export default defineConfig({
  test: {
    include: ['src/faults/**/*.test.ts'],
    globalSetup: ['./src/global-setup.ts'],
    fileParallelism: false,
    // slow-consumer.test.ts measures live memory after a forced collection.
    execArgv: ['--expose-gc'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
  },
});
