import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { LOG_EVENTS } from '../../src/telemetry/index.js';

const SRC = path.resolve(import.meta.dirname, '../../src');
const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
// A receiver named like a logger: logger, log, deps.logger, runtime.logger.
const LOGGER = /(^|\.)(logger|log|[a-z]+Log)$/;

interface LogCall {
  where: string;
  /** The event names the call can log; empty when it names none. */
  events: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The string literals an `event:` value can take (a ternary gives two). */
function literalsOf(node: ts.Expression): string[] | null {
  if (ts.isStringLiteralLike(node)) return [node.text];
  if (ts.isParenthesizedExpression(node)) return literalsOf(node.expression);
  if (ts.isConditionalExpression(node)) {
    const a = literalsOf(node.whenTrue);
    const b = literalsOf(node.whenFalse);
    return a && b ? [...a, ...b] : null;
  }
  return null;
}

function eventsOf(call: ts.CallExpression): string[] {
  const [first] = call.arguments;
  if (!first || !ts.isObjectLiteralExpression(first)) return [];
  for (const property of first.properties) {
    if (
      ts.isPropertyAssignment(property) &&
      property.name.getText() === 'event'
    ) {
      return literalsOf(property.initializer) ?? [];
    }
  }
  return [];
}

/** Every call of a log method on something named like a logger. */
function logCalls(file: string): LogCall[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const calls: LogCall[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      LEVELS.has(node.expression.name.text)
    ) {
      const receiver = node.expression.expression.getText(source);
      const callee = receiver.replace(/\.child\(.*\)$/s, '');
      if (LOGGER.test(callee) || /\.child\(/.test(receiver)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        calls.push({
          where: `${path.relative(SRC, file)}:${line + 1}`,
          events: eventsOf(node),
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return calls;
}

describe('the log event names', () => {
  const calls = sourceFiles(SRC).flatMap(logCalls);

  it('finds the log calls of the product', () => {
    // A floor, so that a broken matcher cannot pass by finding nothing.
    expect(calls.length).toBeGreaterThan(30);
  });

  it('gives every log call a literal event name from LOG_EVENTS', () => {
    const known = new Set<string>(LOG_EVENTS);
    const offending = calls
      .filter(
        (c) => c.events.length === 0 || c.events.some((e) => !known.has(e)),
      )
      .map((c) => `${c.where} ${c.events.join(',') || '(no event)'}`);
    expect(offending).toEqual([]);
  });

  it('lists each name once, as area.action in lowercase', () => {
    expect(new Set(LOG_EVENTS).size).toBe(LOG_EVENTS.length);
    for (const name of LOG_EVENTS) {
      expect(name).toMatch(/^[a-z]+\.[a-z][a-z-]*$/);
    }
  });
});
