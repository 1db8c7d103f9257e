/** The request shape shared by the database verbs (one task per file). */

export interface DatabaseRequest {
  db_name: string;
  properties?: Record<string, unknown>;
  /** alterDatabase / dropDatabaseProperties: property keys to remove. */
  delete_keys?: string[];
}
