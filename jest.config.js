/** Tests run against a real Temporal dev server and a real PostgreSQL, started once per run. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  globalSetup: '<rootDir>/test/setup/globalSetup.ts',
  globalTeardown: '<rootDir>/test/setup/globalTeardown.ts',
  // Two cores: one test file per core; each file has its own task queue and organizations.
  maxWorkers: 2,
  testTimeout: 60_000,
};
