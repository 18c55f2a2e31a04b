import { ServerConnection } from '@jupyterlab/services';

import type { ISessionsAPI } from '../api';

import { SessionsPanel } from '../panel';

import { SessionRow } from '../sessionRow';

import { OVERSCAN_PX } from '../sessionList';

import { QSessionSidebar } from '../sidebar';

import { agedOutAt, SessionStore } from '../store';

import { sessionTimes } from '../times';

import { FakeSocket } from './fakeSocket';

import { at, makeInfo, makeJob, makeSession, T0 } from './fixtures';

const VIEWPORT = 600;

/** `count` sessions of `jobs` jobs under one kernel, newest first. */
function manySessions(count: number, jobs = 0) {
  return Array.from({ length: count }, (_, i) =>
    makeSession({
      id: `s${String(i).padStart(3, '0')}`,
      jobs: Array.from({ length: jobs }, (_, j) =>
        makeJob({ id: `s${i}-j${j}`, status: 'DONE', queue_position: null })
      )
    })
  );
}

/** A panel whose node is a `VIEWPORT` px tall scroller (jsdom lays nothing out). */
function setup() {
  let now = T0;
  const store = new SessionStore();
  store.info = makeInfo();
  const panel = new SessionsPanel({ store, now: () => now });
  Object.defineProperty(panel.node, 'clientHeight', { value: VIEWPORT });
  const ids = () =>
    Array.from(
      panel.node.querySelectorAll<HTMLElement>('[data-session-id]'),
      n => n.dataset.sessionId!
    );
  const scrollTo = (top: number) => {
    panel.node.scrollTop = top;
    panel.node.dispatchEvent(new Event('scroll'));
  };
  const spacers = () =>
    Array.from(
      panel.node.querySelectorAll<HTMLElement>('.jp-QSession-spacer'),
      n => parseFloat(n.style.height)
    );
  return {
    store,
    panel,
    ids,
    scrollTo,
    spacers,
    advance: (seconds: number) => {
      now += seconds * 1000;
      panel.tick();
    }
  };
}

describe('SessionList: the session list is virtualized', () => {
  it('puts only the rows in view in the DOM', () => {
    const { store, ids, spacers } = setup();
    store.applySnapshot(manySessions(200, 50));

    const shown = ids();
    expect(shown[0]).toBe('s000');
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(5); // a 50-job row is taller than the view
    const [top, bottom] = spacers();
    expect(top).toBe(0);
    expect(bottom).toBeGreaterThan(150 * VIEWPORT); // the rest is a spacer
  });

  it('keeps the DOM to a window however many sessions there are', () => {
    const small = setup();
    small.store.applySnapshot(manySessions(20));
    const large = setup();
    large.store.applySnapshot(manySessions(2000));

    expect(large.ids().length).toBe(small.ids().length);
    expect(large.panel.node.querySelectorAll('*').length).toBe(
      small.panel.node.querySelectorAll('*').length
    );
  });

  it('shows other rows as the panel scrolls, and the first ones again', () => {
    const { store, ids, scrollTo, spacers } = setup();
    store.applySnapshot(manySessions(200));
    const first = ids();
    expect(first[0]).toBe('s000');

    const [, bottomBefore] = spacers();
    scrollTo(bottomBefore / 2);
    const middle = ids();
    expect(middle).not.toContain('s000');
    expect(middle.length).toBeLessThan(20); // the view and the overscan each side
    const [top] = spacers();
    expect(top).toBeGreaterThan(bottomBefore / 2 - OVERSCAN_PX - 200);

    scrollTo(0);
    expect(ids()).toEqual(first);
  });

  it('ticks only the rows in view', () => {
    const { store, ids, advance } = setup();
    store.applySnapshot(manySessions(200));
    const tick = jest.spyOn(SessionRow.prototype, 'tick');

    advance(1);

    expect(tick).toHaveBeenCalledTimes(ids().length);
    expect(ids().length).toBeLessThan(30);
    tick.mockRestore();
  });

  it('re-renders nothing for an event about a session out of view, and one row for one in view', () => {
    const { store, panel, ids } = setup();
    store.applySnapshot(manySessions(200));
    const update = jest.spyOn(SessionRow.prototype, 'update');
    const nodes = panel.node.querySelectorAll('*').length;

    store.applySession(makeSession({ id: 's150', usage_seconds: 99 }));
    expect(update).not.toHaveBeenCalled();
    expect(panel.node.querySelectorAll('*')).toHaveLength(nodes);

    store.applySession(makeSession({ id: 's001', usage_seconds: 99 }));
    expect(update).toHaveBeenCalledTimes(1);
    expect(
      panel.node.querySelector('[data-session-id="s001"] .jp-QSession-usage')!
        .textContent
    ).toBe('QPU 1m 39s');
    expect(ids()[1]).toBe('s001');
    update.mockRestore();
  });

  it('shows a session that scrolls into view as it is now', () => {
    const { store, panel, ids, scrollTo, spacers } = setup();
    store.applySnapshot(manySessions(200));
    store.applySession(makeSession({ id: 's199', backend: 'fake_kyiv' }));

    scrollTo(spacers()[1] + 10 * VIEWPORT);
    expect(ids()).toContain('s199');
    expect(
      panel.node.querySelector('[data-session-id="s199"] .jp-QSession-backend')!
        .textContent
    ).toBe('fake_kyiv');
  });

  it('remembers an expanded row after it scrolled out of view and back', () => {
    const { store, panel, scrollTo, spacers } = setup();
    store.applySnapshot(manySessions(200));
    panel.row('s000')!.expanded = true;

    scrollTo(spacers()[1] / 2);
    expect(panel.row('s000')).toBeUndefined();
    scrollTo(0);

    expect(panel.row('s000')!.expanded).toBe(true);
  });
});

describe('Ended sessions age out of the sidebar', () => {
  const VISIBLE_FOR = 600;

  function ended(id: string, closedAfter: number) {
    return makeSession({
      id,
      state: 'closed',
      ended_reason: 'closed',
      closed_at: at(closedAfter)
    });
  }

  it('uses the server rule: closed_at plus the setting, else the registration', () => {
    const session = ended('a', 10);
    expect(agedOutAt(session, sessionTimes(session), VISIBLE_FOR)).toBe(
      T0 + (10 + VISIBLE_FOR) * 1000
    );
    const unknown = { ...session, closed_at: null };
    expect(agedOutAt(unknown, sessionTimes(unknown), VISIBLE_FOR)).toBe(
      T0 + (-10 + VISIBLE_FOR) * 1000
    );
    const open = makeSession();
    expect(agedOutAt(open, sessionTimes(open), VISIBLE_FOR)).toBe(Infinity);
  });

  it('drops a session the moment the server leaves it out, not before', () => {
    const store = new SessionStore();
    store.info = makeInfo({ ended_sessions_visible_for: VISIBLE_FOR });
    store.applySnapshot([makeSession({ id: 'live' }), ended('old', 0)]);
    const changed = jest.fn();
    store.changed.connect(changed);

    expect(store.ageOut(T0 + VISIBLE_FOR * 1000 - 1)).toBe(false);
    expect(store.get('old')).toBeDefined();
    expect(changed).not.toHaveBeenCalled();

    expect(store.ageOut(T0 + VISIBLE_FOR * 1000)).toBe(true);
    expect(store.get('old')).toBeUndefined();
    expect(store.get('live')).toBeDefined();
    expect(changed).toHaveBeenCalledTimes(1);
  });

  it('keeps ended sessions when the server keeps them for good', () => {
    const store = new SessionStore();
    store.info = makeInfo({ ended_sessions_visible_for: null });
    store.applySnapshot([ended('old', 0)]);

    expect(store.ageOut(T0 + 1e12)).toBe(false);
    expect(store.get('old')).toBeDefined();
  });

  it("removes the row on the sidebar's tick", () => {
    let now = T0;
    const sockets: FakeSocket[] = [];
    const sidebar = new QSessionSidebar({
      serverSettings: ServerConnection.makeSettings({
        baseUrl: 'http://localhost:8888/',
        wsUrl: 'ws://localhost:8888/'
      }),
      api: {
        info: jest.fn(async () => makeInfo())
      } as unknown as ISessionsAPI,
      now: () => now,
      ticker: { setInterval: jest.fn(() => 7), clearInterval: jest.fn() },
      socketFactory: () => {
        const socket = new FakeSocket();
        sockets.push(socket);
        return socket;
      },
      schedule: jest.fn(() => 9),
      unschedule: jest.fn(),
      notify: { info: jest.fn(), warning: jest.fn() }
    });
    sidebar.start();
    sockets[0].open();
    sidebar.store.info = makeInfo({ ended_sessions_visible_for: VISIBLE_FOR });
    sockets[0].send({
      type: 'snapshot',
      sessions: [makeSession({ id: 'live' }), ended('old', 30)]
    });
    const row = () =>
      sidebar.panel.node.querySelector('[data-session-id="old"]');

    now = T0 + (30 + VISIBLE_FOR) * 1000 - 1;
    sidebar.ticker.tick();
    expect(row()).not.toBeNull();

    now += 1;
    sidebar.ticker.tick();
    expect(row()).toBeNull();
    expect(
      sidebar.panel.node.querySelector('[data-session-id="live"]')
    ).not.toBeNull();
    sidebar.dispose();
  });
});
