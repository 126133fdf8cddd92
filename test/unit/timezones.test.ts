import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addDaysToDate,
  ianaToWindows,
  resolveZone,
  utcToZoned,
  windowsToIana,
  zonedToUtc,
} from '../../companion/src/core/timezones.ts';

describe('windowsToIana / ianaToWindows', () => {
  // Windows names as Graph returns them (dateTimeTimeZone examples, originalStartTimeZone values).
  const table: Array<[string, string | undefined]> = [
    ['Pacific Standard Time', 'America/Los_Angeles'],
    ['Eastern Standard Time', 'America/New_York'],
    ['GMT Standard Time', 'Europe/London'],
    ['W. Europe Standard Time', 'Europe/Berlin'],
    ['New Zealand Standard Time', 'Pacific/Auckland'],
    ['Tokyo Standard Time', 'Asia/Tokyo'],
    ['UTC', 'UTC'],
    ['Etc/UTC', 'UTC'],
    ['  Pacific Standard Time  ', 'America/Los_Angeles'],
    ['America/Vancouver', 'America/Vancouver'],
    ['Europe/London', 'Europe/London'],
    ['tzone://Microsoft/Custom', undefined],
    ['Customized Time Zone', undefined],
    ['+05:00', undefined],
    ['', undefined],
  ];
  for (const [name, expected] of table) {
    it(`${JSON.stringify(name)} → ${String(expected)}`, () => assert.equal(windowsToIana(name), expected));
  }

  it('maps IANA back to the Windows zone that covers it', () => {
    assert.equal(ianaToWindows('America/Los_Angeles'), 'Pacific Standard Time');
    assert.equal(ianaToWindows('America/Vancouver'), 'Pacific Standard Time');
    assert.equal(ianaToWindows('Europe/London'), 'GMT Standard Time');
    assert.equal(ianaToWindows('UTC'), 'UTC');
    assert.equal(ianaToWindows('Not/AZone'), undefined);
  });
});

describe('resolveZone', () => {
  it('uses the fallback silently when no name is given', () => {
    assert.deepEqual(resolveZone(undefined, 'Europe/Paris'), { zone: 'Europe/Paris' });
    assert.deepEqual(resolveZone('  ', 'Europe/Paris'), { zone: 'Europe/Paris' });
  });
  it('resolves Windows names', () => {
    assert.deepEqual(resolveZone('Romance Standard Time', 'UTC'), { zone: 'Europe/Paris' });
  });
  it('warns when the name is unknown', () => {
    const result = resolveZone('Mars Standard Time', 'Europe/Paris');
    assert.equal(result.zone, 'Europe/Paris');
    assert.equal(result.warning?.code, 'unresolved');
  });
});

describe('zonedToUtc / utcToZoned', () => {
  const table: Array<{ name: string; local: string; zone: string; utc: string; back?: string }> = [
    { name: 'Graph 7-digit fraction', local: '2025-07-01T09:00:00.0000000', zone: 'America/New_York', utc: '2025-07-01T13:00:00Z', back: '2025-07-01T09:00:00' },
    { name: 'winter time', local: '2025-01-15T09:00:00', zone: 'America/New_York', utc: '2025-01-15T14:00:00Z' },
    { name: 'minutes only', local: '2025-01-15T09:30', zone: 'UTC', utc: '2025-01-15T09:30:00Z', back: '2025-01-15T09:30:00' },
    // New York springs forward 2025-03-09 02:00 → 03:00: 02:30 does not exist, moved forward by the gap.
    { name: 'NY gap', local: '2025-03-09T02:30:00', zone: 'America/New_York', utc: '2025-03-09T07:30:00Z', back: '2025-03-09T03:30:00' },
    { name: 'NY before gap', local: '2025-03-09T01:59:00', zone: 'America/New_York', utc: '2025-03-09T06:59:00Z' },
    { name: 'NY after gap', local: '2025-03-09T03:00:00', zone: 'America/New_York', utc: '2025-03-09T07:00:00Z' },
    // New York falls back 2025-11-02 02:00 → 01:00: 01:30 happens twice, the earlier (EDT) wins.
    { name: 'NY overlap', local: '2025-11-02T01:30:00', zone: 'America/New_York', utc: '2025-11-02T05:30:00Z' },
    { name: 'NY after overlap', local: '2025-11-02T02:00:00', zone: 'America/New_York', utc: '2025-11-02T07:00:00Z' },
    // London springs forward 2025-03-30 01:00 → 02:00, falls back 2025-10-26 02:00 → 01:00.
    { name: 'London gap', local: '2025-03-30T01:30:00', zone: 'Europe/London', utc: '2025-03-30T01:30:00Z', back: '2025-03-30T02:30:00' },
    { name: 'London overlap', local: '2025-10-26T01:30:00', zone: 'Europe/London', utc: '2025-10-26T00:30:00Z' },
    { name: 'London summer', local: '2025-06-01T12:00:00', zone: 'Europe/London', utc: '2025-06-01T11:00:00Z' },
    { name: 'Auckland midnight on DST end day', local: '2025-04-06T00:00:00', zone: 'Pacific/Auckland', utc: '2025-04-05T11:00:00Z' },
    { name: 'Auckland winter midnight', local: '2025-06-10T00:00:00', zone: 'Pacific/Auckland', utc: '2025-06-09T12:00:00Z' },
    { name: 'Kolkata half hour', local: '2025-06-10T09:00:00', zone: 'Asia/Kolkata', utc: '2025-06-10T03:30:00Z' },
    { name: 'leap day', local: '2024-02-29T23:00:00', zone: 'America/Los_Angeles', utc: '2024-03-01T07:00:00Z' },
  ];
  for (const { name, local, zone, utc, back } of table) {
    it(name, () => {
      assert.equal(zonedToUtc(local, zone), utc);
      assert.equal(utcToZoned(utc, zone), back ?? local);
    });
  }

  it('reads instants with offsets and fractions', () => {
    assert.equal(utcToZoned('2025-07-01T09:00:00-04:00', 'UTC'), '2025-07-01T13:00:00');
    assert.equal(utcToZoned('2025-07-01T13:00:00.1234567Z', 'Europe/London'), '2025-07-01T14:00:00');
  });

  it('rejects impossible dates and unknown zones', () => {
    assert.throws(() => zonedToUtc('2025-02-30T10:00:00', 'UTC'), RangeError);
    assert.throws(() => zonedToUtc('2025-01-01T24:00:00', 'UTC'), RangeError);
    assert.throws(() => zonedToUtc('2025-01-01', 'UTC'), RangeError);
    assert.throws(() => zonedToUtc('2025-01-01T10:00:00', 'Mars/Olympus'), RangeError);
  });

  it('adds days to dates across month, year and leap boundaries', () => {
    assert.equal(addDaysToDate('2024-02-28', 1), '2024-02-29');
    assert.equal(addDaysToDate('2025-02-28', 1), '2025-03-01');
    assert.equal(addDaysToDate('2025-12-31', 1), '2026-01-01');
    assert.equal(addDaysToDate('2025-03-01', -1), '2025-02-28');
  });
});

describe('property: utcToZoned(zonedToUtc(x)) === x outside DST gaps', () => {
  const zones = ['America/New_York', 'Europe/London', 'Pacific/Auckland', 'America/Los_Angeles', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'UTC', 'America/Sao_Paulo'];
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const local = fc
    .record({
      year: fc.integer({ min: 1990, max: 2060 }),
      month: fc.integer({ min: 1, max: 12 }),
      day: fc.integer({ min: 1, max: 28 }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.integer({ min: 0, max: 59 }),
      second: fc.integer({ min: 0, max: 59 }),
    })
    .map(({ year, month, day, hour, minute, second }) => `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}`);

  it('round-trips, and inside a gap moves forward by less than the gap', () => {
    fc.assert(
      fc.property(fc.constantFrom(...zones), local, (zone, x) => {
        const utc = zonedToUtc(x, zone);
        const back = utcToZoned(utc, zone);
        if (back === x) return true;
        // Only a nonexistent local time may differ, and then it lands just after the gap (≤ 1 h later).
        const shift = Date.parse(`${back}Z`) - Date.parse(`${x}Z`);
        return shift > 0 && shift <= 3_600_000 && zonedToUtc(back, zone) === utc;
      }),
      { numRuns: 2000 },
    );
  });
});
