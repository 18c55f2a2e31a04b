import { Ticker } from '../countdown';

import { SessionStore } from '../store';

import { SessionNotifier } from '../notifier';

import { at, makeSession, T0 } from './fixtures';

function harness(threshold = 60) {
  let now = T0;
  const store = new SessionStore();
  const ticker = new Ticker({
    setInterval: () => 0,
    clearInterval: () => undefined
  });
  const info: string[] = [];
  const warning: string[] = [];
  const notifier = new SessionNotifier({
    store,
    ticker,
    now: () => now,
    notify: { info: m => info.push(m), warning: m => warning.push(m) },
    warningThreshold: threshold
  });
  const advance = (seconds: number) => {
    now += seconds * 1000;
    ticker.tick();
  };
  return { store, notifier, info, warning, advance };
}

describe('SessionNotifier: ended sessions', () => {
  it('says when a session seen live ends, and why', () => {
    const { store, info } = harness();
    store.applyEvent({
      type: 'snapshot',
      sessions: [makeSession({ id: 'abc' })]
    });
    store.applyEvent({
      type: 'session',
      session: makeSession({
        id: 'abc',
        state: 'closed',
        ended_reason: 'cancelled'
      })
    });

    expect(info).toEqual(['Session abc on fake_brisbane ended: cancelled.']);
  });

  it('warns rather than informs when the max TTL, a dead kernel or the provider ended it', () => {
    const { store, info, warning } = harness();
    store.applySnapshot([
      makeSession({ id: 'a' }),
      makeSession({ id: 'b', mode: 'batch' })
    ]);
    store.applySession(
      makeSession({ id: 'a', state: 'closed', ended_reason: 'max_ttl' })
    );
    store.applySession(
      makeSession({
        id: 'b',
        mode: 'batch',
        state: 'closed',
        ended_reason: 'kernel_died'
      })
    );

    expect(info).toEqual([]);
    expect(warning).toEqual([
      'Session a on fake_brisbane ended: reached its max TTL.',
      'Batch b on fake_brisbane ended: its kernel died.'
    ]);
  });

  it('says nothing about sessions that arrive ended in a snapshot (a reload replays no news)', () => {
    const { store, info, warning } = harness();
    store.applySnapshot([
      makeSession({ state: 'closed', ended_reason: 'closed' })
    ]);
    store.applySnapshot([
      makeSession({ state: 'closed', ended_reason: 'closed' })
    ]);

    expect(info).toEqual([]);
    expect(warning).toEqual([]);
  });

  it('says it once, not again for later changes of an ended session', () => {
    const { store, info } = harness();
    store.applySnapshot([makeSession()]);
    const ended = makeSession({ state: 'closed', ended_reason: 'closed' });
    store.applySession(ended);
    store.applySession({ ...ended, usage_seconds: 99 });

    expect(info).toHaveLength(1);
  });
});

describe('SessionNotifier: one minute left', () => {
  it('warns once when the max TTL countdown crosses the threshold', () => {
    const { store, warning, advance } = harness(60);
    store.applySnapshot([makeSession({ id: 'abc', expires_at: at(120) })]);

    advance(59);
    expect(warning).toEqual([]);
    advance(1);
    expect(warning).toEqual([
      'Session abc on fake_brisbane reaches its max TTL in 1:00; then it ends and jobs still queued will not run.'
    ]);
    advance(1);
    advance(30);
    expect(warning).toHaveLength(1);
  });

  it('uses the threshold from the settings', () => {
    const { store, notifier, warning, advance } = harness(60);
    notifier.warningThreshold = 300;
    store.applySnapshot([makeSession({ expires_at: at(400) })]);

    advance(99);
    expect(warning).toEqual([]);
    advance(1);
    expect(warning).toHaveLength(1);
    expect(warning[0]).toContain('5:00');
  });

  it('does not warn for a session first seen already under the threshold', () => {
    const { store, warning, advance } = harness(60);
    store.applySnapshot([makeSession({ expires_at: at(30) })]);
    advance(1);
    advance(1);

    expect(warning).toEqual([]);
  });

  it('does not warn for sessions whose max TTL has not started or that ended', () => {
    const { store, warning, advance } = harness(60);
    store.applySnapshot([
      makeSession({ id: 'pending', state: 'open', expires_at: null }),
      makeSession({ id: 'ended', state: 'closed', expires_at: at(120) })
    ]);
    advance(90);

    expect(warning).toEqual([]);
  });

  it('notices the crossing on an event too, when the server moves the deadline closer', () => {
    const { store, warning } = harness(60);
    store.applySnapshot([makeSession({ expires_at: at(600) })]);
    store.applySession(makeSession({ expires_at: at(45) }));

    expect(warning).toHaveLength(1);
  });
});
