import type {
  AccountModel,
  AccountRef,
  AccountUsage,
  JobModel,
  ServerInfo,
  SessionModel
} from '../models';

import { API_VERSION } from '../models';

/** Where a session of the lab's own emulator lives. */
export const EMULATOR_REF: AccountRef = {
  name: 'emulator',
  channel: 'local',
  instance: null
};

/**
 * Test data shaped like the server's models, with only what a test cares
 * about overridden.
 */

export const T0 = Date.parse('2025-01-01T12:00:00Z');

/** ISO time `seconds` after T0. */
export function at(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString();
}

export function makeJob(overrides: Partial<JobModel> = {}): JobModel {
  return {
    id: 'job-1',
    status: 'QUEUED',
    primitive: 'sampler',
    created: at(0),
    started: null,
    finished: null,
    queue_position: 1,
    ...overrides
  };
}

export function makeSession(
  overrides: Partial<SessionModel> = {}
): SessionModel {
  return {
    id: 'session-1',
    kernel_id: 'kernel-aaaaaaaa-1111',
    notebook: null,
    owner: 'alice',
    provider: 'emulator',
    account: EMULATOR_REF,
    backend: 'fake_brisbane',
    mode: 'dedicated',
    state: 'active',
    accepting_jobs: true,
    max_time: 3600,
    interactive_timeout: 60,
    started_at: at(0),
    activated_at: at(0),
    expires_at: at(3600),
    interactive_expires_at: at(60),
    closed_at: null,
    ended_reason: null,
    usage_seconds: 12,
    registered_at: at(-10),
    origin: 'kernel',
    lab_pid: null,
    transitions: [],
    jobs: [],
    ...overrides
  };
}

export function makeInfo(overrides: Partial<ServerInfo> = {}): ServerInfo {
  return {
    version: '0.1.0',
    api_version: API_VERSION,
    user: 'alice',
    can_write: true,
    can_act_on_others: false,
    can_see_account: true,
    can_act_on_account: true,
    registry_error: null,
    warnings: [],
    ...overrides
  };
}

/** A session found elsewhere on the account (a script's, another server's). */
export function makeElsewhere(
  overrides: Partial<SessionModel> = {}
): SessionModel {
  return makeSession({
    id: 'elsewhere-1',
    kernel_id: null,
    notebook: null,
    origin: 'elsewhere',
    ...overrides
  });
}

export function makeUsage(overrides: Partial<AccountUsage> = {}): AccountUsage {
  return {
    used_seconds: 750,
    limit_seconds: 36000,
    remaining_seconds: 35250,
    limit_reached: false,
    period_start: '2025-01-01T00:00:00Z',
    period_end: '2025-01-31T23:59:59Z',
    plan: 'paid',
    instance: 'crn:v1:emulator',
    read_at: at(0),
    ...overrides
  };
}

/** An account the lab serves: the lab's emulator, reachable, unless overridden. */
export function makeAccount(
  overrides: Partial<AccountModel> = {}
): AccountModel {
  return {
    name: 'emulator',
    channel: 'local',
    instance: null,
    instance_hint: null,
    provider: 'emulator',
    source: 'lab',
    is_default: false,
    state: 'reachable',
    problem: null,
    last_try: at(0),
    next_try: null,
    backends: ['fake_brisbane', 'fake_manila'],
    usage: null,
    ...overrides
  };
}

/** The reference a session of `account` carries. */
export function refOf(account: AccountModel): AccountRef {
  return {
    name: account.name,
    channel: account.channel,
    instance: account.instance
  };
}
