import {
  inactiveSince,
  patchTimeline,
  renderTimeline,
  sessionTimeline,
  spanPosition
} from '../timeline';

import { at, makeJob, makeSession, T0 } from './fixtures';

const s = (seconds: number) => T0 + seconds * 1000;

describe('sessionTimeline', () => {
  it('shows a session with no job yet as pending up to now', () => {
    const session = makeSession({
      state: 'open',
      registered_at: at(0),
      started_at: null,
      activated_at: null,
      expires_at: null
    });

    const timeline = sessionTimeline(session, s(30));
    expect(timeline.start).toBe(s(0));
    expect(timeline.end).toBe(s(30));
    expect(timeline.lanes[0].spans).toEqual([
      { kind: 'pending', from: s(0), to: s(30) }
    ]);
  });

  it('draws each job queue span (created->started) and run span (started->finished)', () => {
    const session = makeSession({
      registered_at: at(0),
      started_at: at(10),
      jobs: [
        makeJob({ id: 'queued', status: 'QUEUED', created: at(50) }),
        makeJob({
          id: 'ran',
          status: 'DONE',
          created: at(5),
          started: at(10),
          finished: at(40)
        })
      ]
    });

    const timeline = sessionTimeline(session, s(60));
    const lanes: Record<string, unknown> = {};
    timeline.lanes.forEach(lane => (lanes[lane.key] = lane.spans));
    expect(lanes['session']).toEqual([
      { kind: 'pending', from: s(0), to: s(10) },
      { kind: 'active', from: s(10), to: s(60) }
    ]);
    expect(lanes['ran']).toEqual([
      { kind: 'queued', from: s(5), to: s(10) },
      { kind: 'running', from: s(10), to: s(40) }
    ]);
    expect(lanes['queued']).toEqual([
      { kind: 'queued', from: s(50), to: s(60) }
    ]);
  });

  it('ends at closed_at for an ended session, with the inferred inactive period', () => {
    const session = makeSession({
      state: 'closed',
      registered_at: at(0),
      started_at: at(0),
      interactive_timeout: 60,
      closed_at: at(200),
      transitions: [
        { state: 'open', at: at(0) },
        { state: 'active', at: at(0) },
        { state: 'inactive', at: at(80) },
        { state: 'closed', at: at(200) }
      ],
      jobs: [
        makeJob({
          status: 'DONE',
          created: at(0),
          started: at(0),
          finished: at(20)
        })
      ]
    });

    expect(inactiveSince(session, s(200))).toBe(s(80));
    const timeline = sessionTimeline(session, s(1000));
    expect(timeline.end).toBe(s(200));
    expect(timeline.lanes[0].spans).toEqual([
      { kind: 'active', from: s(0), to: s(80) },
      { kind: 'inactive', from: s(80), to: s(200) }
    ]);
  });

  it('keeps only the newest jobs and says how many it left out', () => {
    const jobs = Array.from({ length: 25 }, (_, i) =>
      makeJob({ id: `job-${i}`, created: at(i) })
    );
    const timeline = sessionTimeline(makeSession({ jobs }), s(100), 20);
    expect(timeline.lanes).toHaveLength(21);
    expect(timeline.hiddenJobs).toBe(5);
  });
});

describe('sessionTimeline: the session lane from the service', () => {
  it("draws each state the service reports, at the service's times", () => {
    const session = makeSession({
      state: 'active',
      registered_at: at(3),
      started_at: at(10),
      transitions: [
        { state: 'open', at: at(0) },
        { state: 'active', at: at(10) },
        { state: 'inactive', at: at(70) },
        { state: 'active', at: at(90) }
      ]
    });

    const timeline = sessionTimeline(session, s(100));
    expect(timeline.start).toBe(s(0));
    expect(timeline.lanes[0].spans).toEqual([
      { kind: 'pending', from: s(0), to: s(10) },
      { kind: 'active', from: s(10), to: s(70) },
      { kind: 'inactive', from: s(70), to: s(90) },
      { kind: 'active', from: s(90), to: s(100) }
    ]);
    expect(inactiveSince(session, s(100))).toBe(s(70));
  });

  it('estimates nothing for a session stored without transitions', () => {
    const session = makeSession({
      state: 'closed',
      registered_at: at(0),
      started_at: at(0),
      closed_at: at(200),
      transitions: [],
      jobs: [
        makeJob({
          status: 'DONE',
          created: at(0),
          started: at(0),
          finished: at(20)
        })
      ]
    });

    expect(inactiveSince(session, s(200))).toBeNull();
    expect(sessionTimeline(session, s(1000)).lanes[0].spans).toEqual([
      { kind: 'active', from: s(0), to: s(200) }
    ]);
  });
});

describe('renderTimeline', () => {
  it('positions bars in percent and colours them by class only', () => {
    const session = makeSession({
      registered_at: at(0),
      started_at: at(25),
      jobs: []
    });
    const timeline = sessionTimeline(session, s(100));
    expect(spanPosition(timeline.lanes[0].spans[1], timeline)).toEqual({
      left: 25,
      width: 75
    });

    const node = renderTimeline(timeline);
    const bars = node.querySelectorAll<HTMLElement>(
      '.jp-QSession-timelineSpan'
    );
    expect(bars).toHaveLength(2);
    expect(bars[1].classList).toContain('jp-mod-active');
    expect(bars[1].style.left).toBe('25%');
    expect(bars[1].style.width).toBe('75%');
    expect(bars[1].style.background).toBe('');
    expect(bars[1].title).toContain('active');
  });
});

describe('patchTimeline', () => {
  it('moves the bars in place as time passes, keeping the nodes', () => {
    const session = makeSession({ registered_at: at(0), started_at: at(50) });
    const node = renderTimeline(sessionTimeline(session, s(100)));
    const active = node.querySelector<HTMLElement>('.jp-mod-active')!;
    expect(active.style.width).toBe('50%');

    expect(patchTimeline(node, sessionTimeline(session, s(200)))).toBe(true);
    expect(node.querySelector('.jp-mod-active')).toBe(active);
    expect(active.style.left).toBe('25%');
    expect(active.style.width).toBe('75%');
  });

  it('refuses when a job appeared, so the caller renders anew', () => {
    const session = makeSession({ registered_at: at(0), started_at: at(0) });
    const node = renderTimeline(sessionTimeline(session, s(100)));
    const withJob = { ...session, jobs: [makeJob({ created: at(90) })] };

    expect(patchTimeline(node, sessionTimeline(withJob, s(100)))).toBe(false);
  });
});
