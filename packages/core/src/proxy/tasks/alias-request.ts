/** Request shapes and the shared base of the alias verbs (one task per file). */
import { Task, SUCCESS, type Status } from '../task.ts';

export interface AliasRequest {
  db_name?: string;
  alias: string;
  collection_name?: string;
}

/** Alias DDL: runs on the DDL queue and answers the bare status. */
export abstract class AliasDdl extends Task<AliasRequest, Status> {
  readonly queue = 'ddl' as const;
  postExecute(): Status {
    return SUCCESS;
  }
}

