import {
  formatCountdown,
  formatUsage,
  isExpired,
  secondsUntil,
  Ticker
} from '../countdown';

import { epochMs } from '../times';

import { at, T0 } from './fixtures';

describe('formatCountdown', () => {
  it.each([
    [0, '0:00'],
    [5, '0:05'],
    [59, '0:59'],
    [60, '1:00'],
    [61, '1:01'],
    [599, '9:59'],
    [3599, '59:59'],
    [3600, '1:00:00'],
    [3661, '1:01:01'],
    [8 * 3600, '8:00:00'],
    [36000 + 59, '10:00:59']
  ])('shows %d s as %s (m:ss, h:mm:ss from an hour on)', (seconds, text) => {
    expect(formatCountdown(seconds)).toBe(text);
  });

  it('never shows a negative countdown', () => {
    expect(formatCountdown(-12)).toBe('0:00');
  });

  it('rounds a fraction of a second up so 0:00 means the deadline passed', () => {
    expect(formatCountdown(0.2)).toBe('0:01');
  });
});

describe('secondsUntil with an injected clock', () => {
  it('counts whole seconds down to the deadline', () => {
    expect(secondsUntil(epochMs(at(90)), T0)).toBe(90);
    expect(secondsUntil(epochMs(at(90)), T0 + 30_000)).toBe(60);
  });

  it('rounds up: 59.5 s left reads as 60', () => {
    expect(secondsUntil(epochMs(at(60)), T0 + 500)).toBe(60);
  });

  it('is 0 at and after the deadline, so the session reads as expired', () => {
    expect(secondsUntil(epochMs(at(60)), T0 + 60_000)).toBe(0);
    expect(secondsUntil(epochMs(at(60)), T0 + 3_600_000)).toBe(0);
    expect(isExpired(epochMs(at(60)), T0 + 60_000)).toBe(true);
    expect(isExpired(epochMs(at(60)), T0 + 59_000)).toBe(false);
  });

  it('has no countdown without a deadline', () => {
    expect(secondsUntil(null, T0)).toBeNull();
    expect(secondsUntil(epochMs('not a time'), T0)).toBeNull();
    expect(isExpired(null, T0)).toBe(false);
  });

  it('resyncs when the server moves the deadline', () => {
    const now = T0 + 10_000;
    expect(formatCountdown(secondsUntil(epochMs(at(60)), now)!)).toBe('0:50');
    // An event arrives with interactive_expires_at pushed back by a new job.
    expect(formatCountdown(secondsUntil(epochMs(at(120)), now)!)).toBe('1:50');
  });
});

describe('formatUsage', () => {
  it.each([
    [0, '0 s'],
    [42, '42 s'],
    [185, '3 min 5 s'],
    [3720, '1 h 2 min']
  ])('shows %d s of QPU time as %s', (seconds, text) => {
    expect(formatUsage(seconds)).toBe(text);
  });
});

describe('Ticker', () => {
  it('is one interval timer that emits ticked each time it fires', () => {
    const timers: Array<() => void> = [];
    const setInterval = jest.fn((fn: () => void) => {
      timers.push(fn);
      return timers.length;
    });
    const clearInterval = jest.fn();
    const ticker = new Ticker({ setInterval, clearInterval });
    const ticks = jest.fn();
    ticker.ticked.connect(ticks);

    ticker.start();
    ticker.start();
    expect(setInterval).toHaveBeenCalledTimes(1);
    expect(setInterval).toHaveBeenCalledWith(expect.any(Function), 1000);

    timers[0]();
    timers[0]();
    expect(ticks).toHaveBeenCalledTimes(2);

    ticker.dispose();
    expect(clearInterval).toHaveBeenCalledWith(1);
    expect(ticker.isRunning).toBe(false);
  });
});
