import { ServerConnection } from '@jupyterlab/services';

import {
  backoffDelay,
  ConnectionStatus,
  eventsUrl,
  SessionEventStream
} from '../events';

import type { SessionEvent } from '../models';

import { FakeSocket } from './fakeSocket';

import { makeSession } from './fixtures';

/** A stream over fake sockets and a hand-stepped timer. */
function harness() {
  const sockets: FakeSocket[] = [];
  const timers: Array<{ fn: () => void; ms: number; cancelled: boolean }> = [];
  let now = 1_000_000;
  const stream = new SessionEventStream({
    url: 'ws://lab/qsession/api/events',
    socketFactory: url => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    schedule: (fn, ms) => {
      timers.push({ fn, ms, cancelled: false });
      return timers.length - 1;
    },
    unschedule: handle => {
      timers[handle].cancelled = true;
    },
    now: () => now
  });
  const events: SessionEvent[] = [];
  const statuses: ConnectionStatus[] = [];
  stream.received.connect((_, event) => events.push(event));
  stream.statusChanged.connect((_, status) => statuses.push(status));
  const fireTimer = () => {
    const timer = timers[timers.length - 1];
    now += timer.ms;
    timer.fn();
  };
  return {
    stream,
    sockets,
    timers,
    events,
    statuses,
    fireTimer,
    now: () => now
  };
}

describe('eventsUrl', () => {
  it('joins the socket URL and appends the token when there is one', () => {
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/user/alice/',
      wsUrl: 'ws://localhost:8888/user/alice/',
      token: 'se cret'
    });
    expect(eventsUrl(settings)).toBe(
      'ws://localhost:8888/user/alice/qsession/api/events?token=se%20cret'
    );
  });

  it('adds no token parameter without a token', () => {
    const settings = ServerConnection.makeSettings({
      baseUrl: 'http://localhost:8888/',
      wsUrl: 'ws://localhost:8888/',
      token: ''
    });
    expect(eventsUrl(settings)).toBe('ws://localhost:8888/qsession/api/events');
  });
});

describe('backoffDelay', () => {
  it('doubles from 1 s and stops at 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(n => backoffDelay(n))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000
    ]);
  });
});

describe('SessionEventStream', () => {
  it('forwards the snapshot and then each change', () => {
    const { stream, sockets, events, statuses } = harness();
    expect(stream.status).toBe('connecting');
    stream.connect();
    expect(sockets[0].url).toBe('ws://lab/qsession/api/events');

    sockets[0].open();
    sockets[0].send({ type: 'snapshot', sessions: [makeSession()] });
    sockets[0].send({
      type: 'session',
      session: makeSession({ state: 'inactive' }),
      changes: ['state']
    });

    expect(statuses).toEqual(['connected']);
    expect(events.map(e => e.type)).toEqual(['snapshot', 'session']);
    expect(events[1].session!.state).toBe('inactive');
  });

  it('ignores messages that are not JSON events', () => {
    const { stream, sockets, events } = harness();
    const warn = jest
      .spyOn(console, 'warn')
      .mockImplementation(() => undefined);
    stream.connect();
    sockets[0].open();
    sockets[0].send('{not json');
    sockets[0].send({ type: 'gossip' });
    expect(events).toEqual([]);
    warn.mockRestore();
  });

  it('reconnects with exponential backoff while the server is away, showing reconnecting', () => {
    const { stream, sockets, timers, statuses, fireTimer, now } = harness();
    stream.connect();
    sockets[0].drop();

    expect(stream.status).toBe('reconnecting');
    expect(stream.retryAt).toBe(now() + 1000);
    fireTimer();
    sockets[1].drop();
    fireTimer();
    sockets[2].drop();
    fireTimer();
    sockets[3].drop();

    expect(timers.map(t => t.ms)).toEqual([1000, 2000, 4000, 8000]);
    expect(sockets).toHaveLength(4);
    expect(statuses).toEqual(['reconnecting']);
  });

  it('starts the backoff over once a snapshot arrives', () => {
    const { stream, sockets, timers, fireTimer } = harness();
    stream.connect();
    sockets[0].drop();
    fireTimer();
    sockets[1].drop();
    fireTimer();
    sockets[2].open();
    expect(stream.status).toBe('connected');
    sockets[2].send({ type: 'snapshot', sessions: [] });
    sockets[2].drop();

    expect(timers.map(t => t.ms)).toEqual([1000, 2000, 1000]);
  });

  it('does not reset the backoff for a socket that opens and drops before a snapshot', () => {
    const { stream, sockets, timers, fireTimer } = harness();
    stream.connect();
    sockets[0].open();
    sockets[0].drop();
    fireTimer();
    sockets[1].open();
    sockets[1].drop();

    expect(timers.map(t => t.ms)).toEqual([1000, 2000]);
  });

  it('stops for good when disposed: closes the socket, cancels the retry', () => {
    const { stream, sockets, timers } = harness();
    stream.connect();
    sockets[0].open();
    stream.dispose();
    expect(sockets[0].closed).toBe(true);
    expect(stream.status).toBe('disposed');
    expect(timers).toHaveLength(0);

    const second = harness();
    second.stream.connect();
    second.sockets[0].drop();
    second.stream.dispose();
    expect(second.timers[0].cancelled).toBe(true);
  });
});
