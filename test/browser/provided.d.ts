/** What test/browser/vitest.config.ts provides to the Chromium suites (`inject(...)`). */
export {};

declare module 'vitest' {
  export interface ProvidedContext {
    /** The host's VESPER_SEED, or '' when unset. */
    vesperSeed: string;
  }
}

declare module 'vitest/internal/browser' {
  interface BrowserCommands {
    /** Starts (once) a local Vesper endpoint in the host; answers its origin (vesper-endpoint.ts). */
    startVesperEndpoint(): Promise<string>;
    /** Stops it. */
    stopVesperEndpoint(): Promise<void>;
    /** Starts the stopped endpoint again on the same port with the same state; its origin. */
    restartVesperEndpoint(): Promise<string>;
  }
}
