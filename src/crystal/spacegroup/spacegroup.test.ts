import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors.js';
import {
  SETTINGS,
  centringMultiplicity,
  composeOps,
  factsOfNumber,
  formatSymOp,
  isClosed,
  opKey,
  operationsFromHall,
  parseSymOp,
  spaceGroupFromHall,
  spaceGroupFromNumber,
  spaceGroupFromOperations,
  spaceGroupFromSymbol,
} from './index.js';
import type { SymOp } from './index.js';

const keys = (ops: readonly SymOp[]) => new Set(ops.map(opKey));
const fromXyz = (list: string[]) => list.map(parseSymOp);

describe('Hall-symbol generator over all 530 settings', () => {
  it('every setting has the ITA general-position multiplicity (point-group order × centring) and is closed', () => {
    expect(SETTINGS.length).toBe(530);
    expect(new Set(SETTINGS.map((r) => r.number)).size).toBe(230);
    for (const row of SETTINGS) {
      const ops = operationsFromHall(row.hall);
      const lattice = row.names[0]![0]!;
      // R groups in rhombohedral axes ('R' setting) have a primitive cell.
      const centring = row.choice === 'R' ? 1 : centringMultiplicity(lattice);
      expect(ops.length, `${row.hallNumber} ${row.hall}`).toBe(
        factsOfNumber(row.number).pointGroupOrder * centring,
      );
      expect(isClosed(ops), row.hall).toBe(true);
      // A finite set of invertible maps closed under composition is a group (inverses
      // are powers), so closure is the whole group check.
    }
  });

  // General positions as printed in International Tables Vol. A (2005), pages of the groups.
  const ita: [string, string[]][] = [
    ['P 1 21/c 1', ['x,y,z', '-x,y+1/2,-z+1/2', '-x,-y,-z', 'x,-y+1/2,z+1/2']],
    ['P n m a', ['x,y,z', '-x+1/2,-y,z+1/2', '-x,y+1/2,-z', 'x+1/2,-y+1/2,-z+1/2', '-x,-y,-z', 'x+1/2,y,-z+1/2', 'x,-y+1/2,z', '-x+1/2,y+1/2,z+1/2']],
    ['P 63/m m c', ['x,y,z', '-y,x-y,z', '-x+y,-x,z', '-x,-y,z+1/2', 'y,-x+y,z+1/2', 'x-y,x,z+1/2', 'y,x,-z', 'x-y,-y,-z', '-x,-x+y,-z', '-y,-x,-z+1/2', '-x+y,y,-z+1/2', 'x,x-y,-z+1/2', '-x,-y,-z', 'y,-x+y,-z', 'x-y,x,-z', 'x,y,-z+1/2', '-y,x-y,-z+1/2', '-x+y,-x,-z+1/2', '-y,-x,z', '-x+y,y,z', 'x,x-y,z', 'y,x,z+1/2', 'x-y,-y,z+1/2', '-x,-x+y,z+1/2']],
    ['R -3 m :R', ['x,y,z', 'z,x,y', 'y,z,x', '-z,-y,-x', '-y,-x,-z', '-x,-z,-y', '-x,-y,-z', '-z,-x,-y', '-y,-z,-x', 'z,y,x', 'y,x,z', 'x,z,y']],
    ['P 42/m n m', ['x,y,z', '-x,-y,z', '-y+1/2,x+1/2,z+1/2', 'y+1/2,-x+1/2,z+1/2', '-x+1/2,y+1/2,-z+1/2', 'x+1/2,-y+1/2,-z+1/2', 'y,x,-z', '-y,-x,-z', '-x,-y,-z', 'x,y,-z', 'y+1/2,-x+1/2,-z+1/2', '-y+1/2,x+1/2,-z+1/2', 'x+1/2,-y+1/2,z+1/2', '-x+1/2,y+1/2,z+1/2', '-y,-x,z', 'y,x,z']],
  ]; // prettier-ignore
  for (const [symbol, xyz] of ita) {
    it(`${symbol} equals the ITA general positions`, () => {
      const g = spaceGroupFromSymbol(symbol);
      expect(keys(g.operations)).toEqual(keys(fromXyz(xyz)));
    });
  }

  it('R -3 m (hexagonal axes) = 12 ITA positions × (0,0,0), (2/3,1/3,1/3), (1/3,2/3,2/3)', () => {
    const base = fromXyz(['x,y,z', '-y,x-y,z', '-x+y,-x,z', 'y,x,-z', 'x-y,-y,-z', '-x,-x+y,-z', '-x,-y,-z', 'y,-x+y,-z', 'x-y,x,-z', '-y,-x,z', '-x+y,y,z', 'x,x-y,z']); // prettier-ignore
    const centring = fromXyz(['x,y,z', 'x+2/3,y+1/3,z+1/3', 'x+1/3,y+2/3,z+2/3']);
    const all = centring.flatMap((c) => base.map((b) => composeOps(c, b)));
    const g = spaceGroupFromSymbol('R -3 m');
    expect(g.setting).toBe('H');
    expect(keys(g.operations)).toEqual(keys(all));
  });

  it('F d -3 m origin choices 1 and 2 contain the ITA positions (2)–(4) and (25)', () => {
    const o1 = keys(spaceGroupFromSymbol('F d -3 m :1').operations);
    for (const s of ['-x,-y+1/2,z+1/2', '-x+1/2,y+1/2,-z', 'x+1/2,-y,-z+1/2', '-x+1/4,-y+1/4,-z+1/4']) {
      expect(o1.has(opKey(parseSymOp(s))), s).toBe(true);
    }
    const o2 = keys(spaceGroupFromSymbol('Fd-3m:2').operations);
    for (const s of ['-x+3/4,-y+1/4,z+1/2', '-x+1/4,y+1/2,-z+3/4', 'x+1/2,-y+3/4,-z+1/4', '-x,-y,-z']) {
      expect(o2.has(opKey(parseSymOp(s))), s).toBe(true);
    }
  }); // prettier-ignore
});

describe('symbol lookup', () => {
  const cases: [string, number, string | undefined, number][] = [
    ['F m 3 m', 225, undefined, 192],
    ['F m -3 m', 225, undefined, 192],
    ['Fm-3m', 225, undefined, 192],
    ['F d 3 m', 227, '1', 192],
    ['Fd-3m:2', 227, '2', 192],
    ['F d -3 m S', 227, '1', 192],
    ['F d -3 m Z', 227, '2', 192],
    ['I m 3 m', 229, undefined, 96],
    ['I a 3 d', 230, undefined, 96],
    ['P m 3', 200, undefined, 24],
    ['P 63/m m c', 194, undefined, 24],
    ['P 6_3/m m c', 194, undefined, 24],
    ['P 42/m n m', 136, undefined, 16],
    ['P4_2/mnm', 136, undefined, 16],
    ['P 21/c', 14, 'b1', 4],
    ['P21/n', 14, 'b2', 4],
    ['P 1 21/n 1', 14, 'b2', 4],
    ['P 1 1 21/b', 14, 'c3', 4],
    ['C 1 2/m 1', 12, 'b1', 8],
    ['C2/m', 12, 'b1', 8],
    ['Pnma', 62, undefined, 8],
    ['P b n m', 62, 'cab', 8],
    ['Cmca', 64, undefined, 16],
    ['Cmce', 64, undefined, 16],
    ['R -3 m', 166, 'H', 36],
    ['R -3 m :R', 166, 'R', 12],
    ['R-3m:H', 166, 'H', 36],
    ['R 3 R', 146, 'R', 3],
    ['P 63 m c', 186, undefined, 12],
    ['p 1', 1, undefined, 1],
  ];
  for (const [symbol, number, setting, order] of cases) {
    it(`'${symbol}' → ${number}${setting ? ':' + setting : ''} with ${order} operations`, () => {
      const g = spaceGroupFromSymbol(symbol);
      expect(g.number).toBe(number);
      expect(g.setting).toBe(setting);
      expect(g.operations.length).toBe(order);
    });
  }

  it('refuses unknown symbols and setting suffixes with ValidationError', () => {
    expect(() => spaceGroupFromSymbol('C2:b1')).toThrow(/setting suffix ':b1'/);
    expect(() => spaceGroupFromSymbol('X 1')).toThrow(ValidationError);
    expect(() => spaceGroupFromSymbol('P m -3 m :2')).toThrow(/no setting '2'/);
    expect(() => spaceGroupFromSymbol('')).toThrow(ValidationError);
  });

  it('by number and setting', () => {
    expect(spaceGroupFromNumber(227).setting).toBe('1');
    expect(spaceGroupFromNumber(227, '2').hall).toBe('-F 4vw 2vw 3');
    expect(spaceGroupFromNumber(166, 'R').operations.length).toBe(12);
    expect(spaceGroupFromNumber(14, 'c1').symbol).toBe('P 1 1 2_1/a');
    expect(spaceGroupFromNumber(225).symbol).toBe('F m -3 m');
    const si = spaceGroupFromNumber(227);
    expect([si.pointGroup, si.laueClass, si.crystalSystem]).toEqual(['m-3m', 'm-3m', 'cubic']);
    const gr = spaceGroupFromNumber(194);
    expect([gr.pointGroup, gr.laueClass, gr.crystalSystem]).toEqual(['6/mmm', '6/mmm', 'hexagonal']); // prettier-ignore
    expect(() => spaceGroupFromNumber(231)).toThrow(ValidationError);
    expect(() => spaceGroupFromNumber(14, 'q9')).toThrow(/settings: b1, b2/);
  });

  it('by Hall symbol, tabulated or not', () => {
    expect(spaceGroupFromHall('-F 4 2 3').number).toBe(225);
    expect(spaceGroupFromHall('P 3* 2').number).toBe(155);
    expect(spaceGroupFromHall('P 31 2 (0 0 4)').number).toBe(151);
    // spglib writes the " axis as '='; both spellings are accepted.
    expect(spaceGroupFromHall('P 31 2"').number).toBe(152);
    expect(spaceGroupFromHall('P 31 2"').operations.length).toBe(6);
    // An origin-shifted P 2 2 2 is a valid Hall symbol that no ITA setting uses.
    expect(spaceGroupFromHall('P 2 2 (3 0 0)').number).toBe(0);
    expect(() => spaceGroupFromHall('Q 2')).toThrow(ValidationError);
    expect(() => spaceGroupFromHall('P 5')).toThrow(ValidationError);
  });
});

describe('identification from operations', () => {
  it('identifies every setting from a shuffled copy of its operations', () => {
    const rng = fc.sample(fc.integer({ min: 0, max: 529 }), { seed: 3, numRuns: 60 });
    for (const i of rng) {
      const row = SETTINGS[i]!;
      const ops = [...operationsFromHall(row.hall)].reverse();
      const g = spaceGroupFromOperations(ops);
      expect(g.number).toBe(row.number);
    }
  });

  it('completes a partial list by closure (generators of P 63/m m c → 24 operations)', () => {
    const g = spaceGroupFromOperations(fromXyz(['x-y,x,z+1/2', 'y,x,-z', '-x,-y,-z']));
    expect(g.number).toBe(194);
    expect(g.operations.length).toBe(24);
  });

  it('an origin-shifted group is not tabulated: number 0, point group from rotations', () => {
    const shifted = spaceGroupFromSymbol('P m -3 m').operations.map((op) => {
      const back = composeOps(op, { rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: [-0.125, 0, 0] }); // prettier-ignore
      return composeOps({ rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: [0.125, 0, 0] }, back); // prettier-ignore
    });
    const g = spaceGroupFromOperations(shifted);
    expect(g.number).toBe(0);
    expect([g.pointGroup, g.laueClass, g.crystalSystem]).toEqual(['m-3m', 'm-3m', 'cubic']);
  });
});

describe('parseSymOp / formatSymOp', () => {
  it('reads the forms CIF files use', () => {
    const op = parseSymOp('1/2+x, -y+0.25 , -Z+3/4');
    expect(op.rotation).toEqual([1, 0, 0, 0, -1, 0, 0, 0, -1]);
    expect(op.translation).toEqual([0.5, 0.25, 0.75]);
    expect(parseSymOp('-x+y,-x,z-1/3').translation[2]).toBeCloseTo(2 / 3, 12);
    expect(parseSymOp('x,y,z+0.33333').translation[2]).toBeCloseTo(1 / 3, 12);
    expect(formatSymOp(parseSymOp("'x-y, x ,+1/2+z'"))).toBe('x-y,x,z+1/2');
  });

  it('refuses malformed operations with ValidationError', () => {
    for (const bad of ['x,y', 'x,y,z,x', 'x,y,q', 'x,,z', '2x,y,z', 'x,x,z', 'x+-y,y,z', 'x,y,1/0', 'x y z', '*x,y,z']) {
      expect(() => parseSymOp(bad), bad).toThrow(ValidationError);
    }
  }); // prettier-ignore

  it('format → parse round trip over every operation of every setting', () => {
    for (const row of SETTINGS) {
      for (const op of operationsFromHall(row.hall)) {
        expect(opKey(parseSymOp(formatSymOp(op)))).toBe(opKey(op));
      }
    }
  });
});
