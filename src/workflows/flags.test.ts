/**
 * The one numeric flag parser of the commands: plain decimal text only, integers when asked,
 * bounds, absent flags, and a ValidationError naming the field with the range and the text.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.js';
import { numberArg, numberFlag, parseNumberFlag } from './flags.js';

describe('numberFlag', () => {
  it('reads decimal numbers and integers within the bounds', () => {
    expect(numberFlag('12', 'epochs', { int: true, min: 1 })).toBe(12);
    expect(numberFlag(' 7 ', 'epochs', { int: true, min: 1 })).toBe(7);
    expect(numberFlag('-0.5', 'x')).toBe(-0.5);
    expect(numberFlag('1e-3', 'lr', { above: 0 })).toBe(0.001);
    expect(numberFlag('.25', 'split', { above: 0, max: 1 })).toBe(0.25);
    expect(numberFlag('0', 'frame', { int: true, min: 0 })).toBe(0);
    expect(numberFlag('1e12', 'random', { int: true, min: 1 })).toBe(1e12);
    expect(numberFlag(undefined, 'epochs', { int: true, min: 1 })).toBeUndefined();
    expect(numberArg('kv', { above: 0 })('300')).toBe(300);
  });

  it.each([
    ['', {}],
    ['  ', {}],
    ['abc', {}],
    ['0x10', {}],
    ['Infinity', {}],
    ['NaN', {}],
    ['1e999', {}],
    ['1.5', { int: true }],
    ['1e-3', { int: true }],
    ['9007199254740993', { int: true }],
    ['0', { int: true, min: 1 }],
    ['0', { above: 0 }],
    ['65', { int: true, min: 1, max: 64 }],
  ] as const)('refuses %j (%j) naming the field', (text, o) => {
    let err: unknown;
    try {
      parseNumberFlag(text, 'threads', o);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe('threads');
    expect((err as ValidationError).message).toContain(`got '${text}'`);
  });

  it('says the range it accepts', () => {
    const msg = (o: Parameters<typeof parseNumberFlag>[2]) => {
      try {
        parseNumberFlag('x', 'f', o);
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    expect(msg({ int: true, min: 1, max: 64 })).toMatch(/expected an integer 1…64/);
    expect(msg({ int: true, min: 1 })).toMatch(/expected an integer ≥ 1/);
    expect(msg({ above: 0 })).toMatch(/expected a number > 0/);
    expect(msg({ above: 0, max: 1 })).toMatch(/expected a number > 0 and ≤ 1/);
    expect(msg({})).toMatch(/expected a number, got 'x'/);
  });
});
