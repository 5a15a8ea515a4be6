import { describe, expect, it } from 'vitest';
import { isoDate, isoTime } from './metadata.js';

describe('DM date and time normalisation', () => {
  it('isoDate reads DM month/day/year, day/month/year when unambiguous, dotted and ISO dates', () => {
    expect(isoDate('7/20/2015')).toBe('2015-07-20'); // DataBar of test_dm_image_um_unit.dm3
    expect(isoDate('27/10/2020')).toBe('2020-10-27'); // CL "Acquisition begin" of MonoCL .dm4
    expect(isoDate('20.07.2015')).toBe('2015-07-20');
    expect(isoDate('2015-07-20')).toBe('2015-07-20');
    expect(isoDate('13/13/2020')).toBeUndefined();
    expect(isoDate('yesterday')).toBeUndefined();
  });

  it('isoTime converts 12-hour clock times and keeps 24-hour ones', () => {
    expect(isoTime('6:48:25 PM')).toBe('18:48:25');
    expect(isoTime('12:06:16 PM')).toBe('12:06:16');
    expect(isoTime('12:30:00 AM')).toBe('00:30:00');
    expect(isoTime('15:32:41')).toBe('15:32:41');
    expect(isoTime('13:34')).toBe('13:34:00');
    expect(isoTime('25:00:00')).toBeUndefined();
    expect(isoTime('13:00:00 PM')).toBeUndefined();
  });
});
