import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inWindow, isTimeZone, localTime, parseClockTime } from '../../../src/pipeline/helpers/local-time.js';

describe('localTime(ms, timeZone)', () => {
  it('gives day, minutes, time and date in the zone', () => {
    const ms = Date.UTC(2024, 0, 1, 8, 5); // Monday 08:05 UTC
    assert.deepEqual(localTime(ms, 'UTC'), { day: 1, minutes: 485, time: '08:05', date: '2024-01-01' });
    assert.deepEqual(localTime(ms, 'Asia/Shanghai'), {
      day: 1,
      minutes: 965,
      time: '16:05',
      date: '2024-01-01',
    });
    assert.deepEqual(localTime(Date.UTC(2024, 0, 1, 20, 0), 'Asia/Shanghai'), {
      day: 2,
      minutes: 240,
      time: '04:00',
      date: '2024-01-02',
    });
  });
  it('knows valid and invalid zones', () => {
    assert.equal(isTimeZone('Europe/Berlin'), true);
    assert.equal(isTimeZone(''), true);
    assert.equal(isTimeZone('Mars/Base'), false);
  });
});

describe('inWindow(window, at)', () => {
  const at = (day: number, hhmm: string) => ({ day, minutes: parseClockTime(hhmm), time: hhmm, date: '' });
  const cases: [string, { days?: number[]; from: string; to: string }, ReturnType<typeof at>, boolean][] = [
    ['inside', { from: '09:00', to: '17:00' }, at(1, '09:00'), true],
    ['end is exclusive', { from: '09:00', to: '17:00' }, at(1, '17:00'), false],
    ['before', { from: '09:00', to: '17:00' }, at(1, '08:59'), false],
    ['over midnight, late', { from: '22:00', to: '07:00' }, at(1, '23:30'), true],
    ['over midnight, early', { from: '22:00', to: '07:00' }, at(2, '06:59'), true],
    ['over midnight, day', { from: '22:00', to: '07:00' }, at(2, '12:00'), false],
    ['days: Friday night belongs to Friday', { days: [5], from: '22:00', to: '02:00' }, at(6, '01:00'), true],
    ['days: Saturday night not listed', { days: [5], from: '22:00', to: '02:00' }, at(6, '23:00'), false],
    ['same from/to = whole day', { days: [0], from: '00:00', to: '00:00' }, at(0, '13:00'), true],
  ];
  for (const [name, w, a, want] of cases) it(name, () => assert.equal(inWindow(w, a), want));
  it('rejects a bad time', () => assert.throws(() => parseClockTime('25:00'), /HH:MM/));
});
