/** Tests run against a real Temporal dev server and a real PostgreSQL, started once per run. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // jose ships only ES modules; jest (on Node 20) needs them compiled to CommonJS like our own code.
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  globalSetup: '<rootDir>/test/setup/globalSetup.ts',
  globalTeardown: '<rootDir>/test/setup/globalTeardown.ts',
  // Two cores: one test file per core; each file has its own task queue and organizations.
  maxWorkers: 2,
  testTimeout: 60_000,
};
