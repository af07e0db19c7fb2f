import {
  ErrorCode,
  StandardResolutionReasons,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { FLAG_KEYS, type FlagKey, type FlagRules } from './rules.js';

/**
 * An OpenFeature provider over our flag rules: the tenant named by the
 * context's `targetingKey` gets its own value when it has one, everyone
 * else the flag's default. Only boolean flags exist.
 */
export class RuleProvider implements Provider {
  readonly metadata = { name: 'disclosure-packager-rules' } as const;
  readonly runsOn = 'server' as const;

  constructor(private readonly rules: FlagRules) {}

  resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    if (!FLAG_KEYS.includes(flagKey as FlagKey)) {
      return Promise.resolve({
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.FLAG_NOT_FOUND,
      });
    }
    const rule = this.rules[flagKey as FlagKey];
    const tenant = context.targetingKey;
    const targeted = tenant === undefined ? undefined : rule?.tenants[tenant];
    if (targeted !== undefined) {
      return Promise.resolve({
        value: targeted,
        reason: StandardResolutionReasons.TARGETING_MATCH,
      });
    }
    if (rule?.default !== undefined) {
      return Promise.resolve({
        value: rule.default,
        reason: StandardResolutionReasons.STATIC,
      });
    }
    return Promise.resolve({
      value: defaultValue,
      reason: StandardResolutionReasons.DEFAULT,
    });
  }

  resolveStringEvaluation(
    _flagKey: string,
    defaultValue: string,
  ): Promise<ResolutionDetails<string>> {
    return Promise.resolve(mismatch(defaultValue));
  }

  resolveNumberEvaluation(
    _flagKey: string,
    defaultValue: number,
  ): Promise<ResolutionDetails<number>> {
    return Promise.resolve(mismatch(defaultValue));
  }

  resolveObjectEvaluation<T extends JsonValue>(
    _flagKey: string,
    defaultValue: T,
  ): Promise<ResolutionDetails<T>> {
    return Promise.resolve(mismatch(defaultValue));
  }
}

function mismatch<T>(value: T): ResolutionDetails<T> {
  return {
    value,
    reason: StandardResolutionReasons.ERROR,
    errorCode: ErrorCode.TYPE_MISMATCH,
  };
}
