export type { Database, DatabaseOptions, Queryable } from './database.js';
export { openDatabase } from './database.js';
export { migrate } from './migrate.js';
export {
  APP_ROLE,
  grantQueueToAppRole,
  inTenantScope,
  openAppLogin,
  tenantScopedDatabase,
} from './scope.js';
