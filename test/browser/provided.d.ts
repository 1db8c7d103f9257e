/** What test/browser/vitest.config.ts provides to the Chromium suites (`inject(...)`). */
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    /** The host's VESPER_SEED, or '' when unset. */
    vesperSeed: string;
  }
}
