import { defineConfig } from 'vitest/config';

// Display logic in lib/ is pure; it needs neither a DOM nor the router plugin.
export default defineConfig({
  test: {
    include: ['lib/**/*.test.ts'],
    environment: 'node',
  },
});
