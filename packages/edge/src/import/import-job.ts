/**
 * An import job as its CatalogCoordinator reports it (import-jobs.ts runs them): a type of
 * its own, so the edge's method map (rpc.ts) names the import calls' answers without
 * importing the job runner, which calls the engine through that map.
 */
export type ImportState = 'Pending' | 'Importing' | 'Completed' | 'Failed';

export interface ImportJob {
  readonly jobId: string;
  readonly dbName: string;
  readonly collectionName: string;
  readonly partitionName: string;
  readonly files: readonly string[];
  readonly state: ImportState;
  readonly reason: string;
  readonly fileIndex: number;
  readonly rowOffset: number;
  readonly importedRows: number;
  readonly totalRows: number;
  readonly fileSize: number;
  readonly completeTime: string;
}
