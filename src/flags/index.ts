import { randomUUID } from 'node:crypto';
import { OpenFeature, type Client } from '@openfeature/server-sdk';
import { RuleProvider } from './provider.js';
import {
  mergeFlagRules,
  parseFlagOverrides,
  readFlagsFile,
  type FlagKey,
  type FlagRules,
} from './rules.js';

export { FLAG_KEYS, type FlagKey, type FlagRules } from './rules.js';
export { RuleProvider } from './provider.js';

/** What the API asks of the flags: is this feature on for this tenant? */
export interface FeatureFlags {
  isEnabled(key: FlagKey, tenantId: string): Promise<boolean>;
}

/**
 * The flags of one server: the rules of the flags file (DP_FLAGS_FILE)
 * with the DP_FLAGS overrides laid over them, behind an OpenFeature
 * client. Each server binds its provider to a domain of its own, so two
 * servers in one process (as in tests) never see each other's rules.
 */
export function flagsFromConfig(config: {
  flagsFile?: string | undefined;
  flags: string;
}): FeatureFlags {
  const base: FlagRules = config.flagsFile
    ? readFlagsFile(config.flagsFile)
    : {};
  const rules = mergeFlagRules(base, parseFlagOverrides(config.flags));
  const domain = `disclosure-packager:${randomUUID()}`;
  OpenFeature.setProvider(domain, new RuleProvider(rules));
  return clientFlags(OpenFeature.getClient(domain));
}

function clientFlags(client: Client): FeatureFlags {
  return {
    isEnabled: (key, tenantId) =>
      client.getBooleanValue(key, true, { targetingKey: tenantId }),
  };
}
