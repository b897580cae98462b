import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // startBroker with containers is tested in integration-tests/src/testing-kit.test.ts, which has
    // every adapter (as a dependency here they would make a build cycle through @anymq/contract).
  },
});
