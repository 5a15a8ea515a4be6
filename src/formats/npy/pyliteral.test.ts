import { describe, expect, it } from 'vitest';
import { FormatError } from '../../core/errors.js';
import { formatPyLiteral, parsePyLiteral } from './pyliteral.js';

const ctx = { format: 'NPY', base: 10 };

describe('Python literal parser (NPY headers)', () => {
  it('parses the dict numpy writes, structured descrs and escapes', () => {
    const v = parsePyLiteral(
      "{'descr': [('R', '<u2'), (\"G\", '<u2')], 'fortran_order': True, 'shape': (3, 128,), }",
      ctx,
    );
    expect(v).toEqual({
      kind: 'dict',
      entries: [
        [
          'descr',
          {
            kind: 'list',
            items: [
              { kind: 'tuple', items: ['R', '<u2'] },
              { kind: 'tuple', items: ['G', '<u2'] },
            ],
          },
        ],
        ['fortran_order', true],
        ['shape', { kind: 'tuple', items: [3, 128] }],
      ],
    });
    expect(parsePyLiteral("'a\\'b\\\\c\\n\\x41\\u00e9\\U0001F600'", ctx)).toBe("a'b\\c\nAé😀");
    expect(parsePyLiteral('(None, False, -7, 12L)', ctx)).toEqual({
      kind: 'tuple',
      items: [null, false, -7, 12],
    });
  });

  it('formats what it parses back to the same value', () => {
    for (const text of [
      "{'descr': '<f8', 'fortran_order': False, 'shape': (2,)}",
      "[('a', '<i4')]",
      "('x\\'y',)",
    ]) {
      const v = parsePyLiteral(text, ctx);
      expect(parsePyLiteral(formatPyLiteral(v), ctx)).toEqual(v);
    }
    expect(formatPyLiteral({ kind: 'tuple', items: [5] })).toBe('(5,)');
  });

  it('refuses anything that is not a literal, with the byte offset', () => {
    for (const bad of [
      "__import__('os')",
      "{'a': 1.5}",
      "{'a': 2**70}",
      "'open",
      '{1: 2',
      "{'a': 99999999999999999999}",
    ]) {
      expect(() => parsePyLiteral(bad, ctx), bad).toThrow(FormatError);
    }
    try {
      parsePyLiteral("{'a': x}", ctx);
    } catch (err) {
      expect((err as FormatError).offset).toBe(10 + 6);
    }
  });
});
