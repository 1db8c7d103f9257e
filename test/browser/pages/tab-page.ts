/**
 * The module a multi-tab test iframe runs: it hands the test page this realm's openDatabase
 * (window.vesperTab), so each iframe is its own browsing context — its own Web Locks
 * holder, BroadcastChannel endpoint and engine worker — as a second tab would be.
 */
import { openDatabase } from '../../../packages/browser/src/index.ts';

export interface TabApi {
  readonly openDatabase: typeof openDatabase;
}

(window as unknown as { vesperTab: TabApi }).vesperTab = { openDatabase };
window.dispatchEvent(new Event('vesper-tab-ready'));
