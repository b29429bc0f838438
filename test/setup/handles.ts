/** What the global set-up started, for the global teardown (they share one process and globalThis). */
export interface TestStackHandles {
  scratch: string;
  stops: Array<() => Promise<void>>;
  dropDatabase?: { adminUrl: string; name: string };
}
