import { ISessionChange, SessionStore } from '../store';

import { at, makeInfo, makeJob, makeSession } from './fixtures';

function ids(store: SessionStore, showEnded = true): string[][] {
  return store
    .groups({ showEnded })
    .map(group => group.sessions.map(session => session.id));
}

describe('SessionStore: events', () => {
  it('replaces every session with a snapshot', () => {
    const store = new SessionStore();
    store.applyEvent({
      type: 'snapshot',
      sessions: [makeSession({ id: 'old' })]
    });
    store.applyEvent({
      type: 'snapshot',
      sessions: [makeSession({ id: 'a' }), makeSession({ id: 'b' })]
    });

    expect(
      store
        .sessions()
        .map(s => s.id)
        .sort()
    ).toEqual(['a', 'b']);
    expect(store.hasSnapshot).toBe(true);
  });

  it('adds a new session and replaces a known one with each delta', () => {
    const store = new SessionStore();
    store.applyEvent({
      type: 'snapshot',
      sessions: [makeSession({ id: 'a' })]
    });

    store.applyEvent({
      type: 'session',
      session: makeSession({
        id: 'a',
        state: 'inactive',
        interactive_expires_at: null
      })
    });
    store.applyEvent({
      type: 'session',
      session: makeSession({ id: 'b', state: 'open' })
    });

    expect(store.get('a')!.state).toBe('inactive');
    expect(store.get('a')!.interactive_expires_at).toBeNull();
    expect(store.get('b')!.state).toBe('open');
  });

  it('keeps ended sessions (there are no deletions)', () => {
    const store = new SessionStore();
    store.applyEvent({
      type: 'snapshot',
      sessions: [makeSession({ id: 'a' })]
    });
    store.applyEvent({
      type: 'session',
      session: makeSession({
        id: 'a',
        state: 'closed',
        closed_at: at(100),
        ended_reason: 'max_ttl'
      })
    });

    expect(store.get('a')).toMatchObject({
      state: 'closed',
      ended_reason: 'max_ttl'
    });
  });

  it('marks snapshot sessions as not live and deltas as live, with the previous model', () => {
    const store = new SessionStore();
    const seen: ISessionChange[] = [];
    store.sessionChanged.connect((_, change) => seen.push(change));
    const changed = jest.fn();
    store.changed.connect(changed);

    store.applyEvent({
      type: 'snapshot',
      sessions: [makeSession({ id: 'a' })]
    });
    store.applyEvent({
      type: 'session',
      session: makeSession({
        id: 'a',
        state: 'closed',
        ended_reason: 'closed'
      })
    });

    expect(
      seen.map(c => [c.current.id, c.live, c.previous?.state ?? null])
    ).toEqual([
      ['a', false, null],
      ['a', true, 'active']
    ]);
    expect(changed).toHaveBeenCalledTimes(2);
  });

  it("keeps each session's jobs newest first, as the server sorted them", () => {
    const store = new SessionStore();
    store.applySession(
      makeSession({
        jobs: [
          makeJob({ id: 'j3', created: at(3) }),
          makeJob({ id: 'j2', created: at(2) }),
          makeJob({ id: 'j1', created: at(1) }),
          makeJob({ id: 'jx', created: null })
        ]
      })
    );

    expect(store.get('session-1')!.jobs.map(j => j.id)).toEqual([
      'j3',
      'j2',
      'j1',
      'jx'
    ]);
  });
});

describe('SessionStore: parsed times', () => {
  it('keeps the times of each session as numbers, parsed when it arrives', () => {
    const store = new SessionStore();
    store.applySession(
      makeSession({
        expires_at: at(3600),
        closed_at: null,
        transitions: [{ state: 'active', at: at(0) }],
        jobs: [makeJob({ id: 'j', created: at(1), started: 'garbage' })]
      })
    );

    const times = store.times('session-1')!;
    expect(times.expiresAt).toBe(Date.parse(at(3600)));
    expect(times.closedAt).toBeNull();
    expect(times.transitions).toEqual([
      { state: 'active', at: Date.parse(at(0)) }
    ]);
    expect(times.jobs.get('j')).toEqual({
      created: Date.parse(at(1)),
      started: null,
      finished: null
    });
  });
});

describe('SessionStore: grouping and ordering', () => {
  it("keeps the server's order and puts a new session first", () => {
    const store = new SessionStore();
    store.applySnapshot([makeSession({ id: 'b' }), makeSession({ id: 'a' })]);
    store.applySession(makeSession({ id: 'a', state: 'inactive' }));
    store.applySession(makeSession({ id: 'new' }));

    expect(store.sessions().map(s => s.id)).toEqual(['new', 'b', 'a']);
  });

  const names = new Map([
    ['k-analysis', { name: 'analysis.ipynb', path: 'work/analysis.ipynb' }],
    ['k-bell', { name: 'bell.ipynb', path: 'bell.ipynb' }]
  ]);

  function storeWith(
    ...sessions: ReturnType<typeof makeSession>[]
  ): SessionStore {
    const store = new SessionStore();
    store.setKernelNames(names);
    store.applySnapshot(sessions);
    return store;
  }

  it('groups sessions by kernel, named after the notebook', () => {
    const store = storeWith(
      makeSession({ id: 'c', kernel_id: 'k-bell', registered_at: at(5) }),
      makeSession({ id: 'a', kernel_id: 'k-bell' }),
      makeSession({ id: 'b', kernel_id: 'k-analysis' })
    );

    const groups = store.groups();
    expect(groups.map(g => g.label)).toEqual(['analysis.ipynb', 'bell.ipynb']);
    expect(groups[0].title).toBe('work/analysis.ipynb');
    expect(groups.map(g => g.sessions.map(s => s.id))).toEqual([
      ['b'],
      ['c', 'a']
    ]);
  });

  it("falls back to 'Kernel <short id>' and 'No kernel'", () => {
    const store = storeWith(
      makeSession({ id: 'a', kernel_id: '0123456789abcdef' }),
      makeSession({ id: 'b', kernel_id: null })
    );

    expect(store.groups().map(g => g.label)).toEqual([
      'Kernel 01234567',
      'No kernel'
    ]);
  });

  it("keeps the server's order within a group, ended or not, so rows stay put", () => {
    const store = storeWith(
      makeSession({ id: 'new-closed', registered_at: at(9), state: 'closed' }),
      makeSession({ id: 'new-live', registered_at: at(5), state: 'open' }),
      makeSession({ id: 'old-live', registered_at: at(1) })
    );
    expect(ids(store)).toEqual([['new-closed', 'new-live', 'old-live']]);

    store.applySession(
      makeSession({ id: 'new-live', registered_at: at(5), state: 'closed' })
    );
    expect(ids(store)).toEqual([['new-closed', 'new-live', 'old-live']]);
  });

  it('orders notebooks by name whether their sessions ended or not', () => {
    const store = storeWith(
      makeSession({ id: 'a', kernel_id: 'k-analysis', state: 'closed' }),
      makeSession({ id: 'b', kernel_id: 'k-bell' })
    );

    expect(store.groups().map(g => g.label)).toEqual([
      'analysis.ipynb',
      'bell.ipynb'
    ]);
  });

  it('names a group after the notebook the server recorded, after its kernel is gone', () => {
    const store = new SessionStore();
    store.applySnapshot([
      makeSession({ kernel_id: 'k-gone', notebook: 'work/vqe.ipynb' })
    ]);

    expect(store.groups()[0].label).toBe('vqe.ipynb');
    expect(store.groups()[0].title).toBe('work/vqe.ipynb');
  });

  it('keeps the last name Jupyter gave a notebook after its kernel stopped', () => {
    const store = new SessionStore();
    store.applySnapshot([
      makeSession({ kernel_id: 'k-1', notebook: 'old.ipynb' })
    ]);
    store.setKernelNames(
      new Map([['k-1', { name: 'renamed.ipynb', path: 'renamed.ipynb' }]])
    );
    store.setKernelNames(new Map());

    expect(store.groups()[0].label).toBe('renamed.ipynb');
  });

  it('hides ended sessions and emptied groups when asked', () => {
    const store = storeWith(
      makeSession({ id: 'a', kernel_id: 'k-analysis', state: 'closed' }),
      makeSession({ id: 'b', kernel_id: 'k-bell' }),
      makeSession({ id: 'c', kernel_id: 'k-bell', state: 'closed' })
    );

    expect(ids(store, false)).toEqual([['b']]);
  });

  it('renames a group when Jupyter reports the notebook', () => {
    const store = new SessionStore();
    store.applySnapshot([makeSession({ kernel_id: 'k-new' })]);
    expect(store.groups()[0].label).toBe('Kernel k-new');

    store.setKernelNames(
      new Map([['k-new', { name: 'new.ipynb', path: 'new.ipynb' }]])
    );
    expect(store.groups()[0].label).toBe('new.ipynb');
  });
});

describe('SessionStore: permissions', () => {
  const mine = makeSession({ owner: 'alice' });
  const theirs = makeSession({ owner: 'bob' });

  it('refuses until the server said what the user may do', () => {
    expect(new SessionStore().permission(mine)).toMatchObject({
      allowed: false
    });
  });

  it('lets a writer act on their own sessions only', () => {
    const store = new SessionStore();
    store.info = makeInfo({
      user: 'alice',
      can_write: true,
      can_act_on_others: false
    });

    expect(store.permission(mine)).toEqual({ allowed: true });
    expect(store.permission(theirs)).toEqual({
      allowed: false,
      reason: 'This session belongs to bob'
    });
  });

  it("lets an admin act on others' sessions", () => {
    const store = new SessionStore();
    store.info = makeInfo({
      user: 'admin',
      can_write: true,
      can_act_on_others: true
    });

    expect(store.permission(theirs)).toEqual({ allowed: true });
  });

  it('refuses everything to a read-only user, even their own sessions', () => {
    const store = new SessionStore();
    store.info = makeInfo({
      user: 'alice',
      can_write: false,
      can_act_on_others: true
    });

    const permission = store.permission(mine);
    expect(permission.allowed).toBe(false);
    expect(permission.allowed || permission.reason).toMatch(/not change them/);
  });
});
