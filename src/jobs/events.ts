import type { Queryable } from '../db/index.js';

/**
 * Told of every job that reaches a final status (completed, partial or
 * failed), inside the transaction that writes that status: what it
 * stores there (webhook events) commits or rolls back with the status.
 */
export interface JobEvents {
  jobSettled(tx: Queryable, tenantId: string, jobId: string): Promise<void>;
}
