// Generated from jupyter_qsession/server/models.py, vocabulary.py and wire.py by
// `python -m jupyter_qsession.server.codegen`. Do not edit by hand.

export interface AccountList {
  accounts: Array<AccountModel>;
}

/** One account the lab serves, as its service says now. Never a token. */
export interface AccountModel {
  /** The account's name: 'emulator' (the lab's own), or as saved. */
  name: string;
  /** 'local' (the lab's emulator), 'ibm_quantum_platform', ... */
  channel: string;
  /** The instance (CRN or name), if any. */
  instance: string | null;
  /** 'emulator' (a jupyter-qsession emulator) or 'ibm'. */
  provider: string;
  /** The instance as a narrow view shows it (vocabulary.py). */
  instance_hint: string | null;
  source: AccountSource;
  /** Where a backend several accounts have goes: the client's default saved account, else the lab's emulator. */
  is_default: boolean;
  state: AccountState;
  /** Why it is unreachable, in words. */
  problem: string | null;
  /** When the lab last asked it. */
  last_try: string | null;
  /** When it asks an unreachable one again. */
  next_try: string | null;
  /** Its backends' names, as it last listed them. */
  backends: Array<string>;
  /** Its usage for the period, as it reports it; null: not known. */
  usage: AccountUsage | null;
}

/** Which account (one connection to one Runtime service) a session lives on. Never a token. */
export interface AccountRef {
  /** The account's name: 'emulator' (the lab's own), or as saved. */
  name: string;
  /** 'local' (the lab's emulator), 'ibm_quantum_platform', ... */
  channel: string;
  /** The instance (CRN or name), if any. */
  instance?: string | null;
}

/** Where the lab found an account. */
export type AccountSource = 'lab' | 'saved' | 'environment' | 'config';

/** Whether the lab can reach an account's service now. */
export type AccountState = 'unknown' | 'reachable' | 'unreachable';

/** The account's (instance's) QPU usage for the period, as the service reports it (``QiskitRuntimeService.usage()``). */
export interface AccountUsage {
  /** usage_consumed_seconds: QPU time used this period. */
  used_seconds: number;
  /** The plan's limit or allocation for the period; null: no limit. */
  limit_seconds: number | null;
  /** Null when there is no limit. */
  remaining_seconds: number | null;
  limit_reached: boolean;
  period_start: string | null;
  period_end: string | null;
  plan: string | null;
  instance: string | null;
  /** When the service was asked. */
  read_at: string;
}

/** ``POST /sessions/close-idle``: close the caller's idle sessions (open, taking jobs, none queued or running). With ``session_ids``, only those of them (what a confirmation listed). */
export interface CloseIdle {
  session_ids?: Array<string> | null;
}

export interface CloseIdleResult {
  closed: Array<SessionModel>;
  skipped: Array<Skipped>;
}

/** Why a session is closed: the service's reasons, then the lab server's own. */
export type EndedReason = 'closed' | 'cancelled' | 'max_ttl' | 'unused' | 'kernel_shutdown' | 'kernel_restart' | 'kernel_died' | 'provider_lost';

/** Every 4xx, and the 503 of an unusable registry: what went wrong, in words the user can act on (jupyter-server may add ``reason``). */
export interface ErrorModel {
  message: string;
}

/** One primitive job of a session, as the provider last reported it. */
export interface JobModel {
  id: string;
  status: JobStatus;
  /** 'sampler', 'estimator' or 'executor' (the program id). */
  primitive: string | null;
  created: string | null;
  /** When it started running on the QPU. */
  started: string | null;
  finished: string | null;
  /** 1 = next to run; null unless queued. */
  queue_position: number | null;
}

/** A job's status as qiskit-ibm-runtime's ``job.status()`` names it, and the lab server's own ``UNKNOWN``: a job of a session the provider no longer knows (its service forgot it, so nobody can say how it ended; it never changes again). */
export type JobStatus = 'QUEUED' | 'RUNNING' | 'DONE' | 'ERROR' | 'CANCELLED' | 'UNKNOWN';

/** What a kernel sends to put a session it opened under its kernel id. */
export interface RegisterSession {
  session_id: string;
  /** The account the kernel opened it on (null: the lab asks its accounts). */
  account?: string | null;
}

/** Who is asking and what they may do, so the sidebar can disable what would be refused. */
export interface ServerInfo {
  /** The Python package's version. */
  version: string;
  api_version: string;
  user: string;
  /** May close/cancel their own sessions. */
  can_write: boolean;
  /** May see and act on other users' sessions. */
  can_act_on_others: boolean;
  /** May see the account's sessions found elsewhere (read on qsession:account). */
  can_see_account?: boolean;
  /** May close/cancel sessions found elsewhere (write on qsession:account). */
  can_act_on_account?: boolean;
  /** Why the session registry cannot be used (a server-side fault); every other route answers 503 with this message. Null when all is well. */
  registry_error: string | null;
  /** What the user should know although nothing stopped, e.g. registry rows that could not be read and were set aside. */
  warnings: Array<string>;
  /** Seconds an ended session stays in the live view (the listing, the snapshot, the sidebar) after its closed_at; null: for good. The sidebar drops it then. */
  ended_sessions_visible_for?: number | null;
}

/** One WebSocket message: a snapshot on connect, then one per change of a session or of an account (its state, backends or usage). */
export interface SessionEvent {
  type: 'snapshot' | 'session' | 'account';
  sessions?: Array<SessionModel> | null;
  /** The changed session, whole: the browser replaces its row. */
  session?: SessionModel | null;
  /** Every account (in the snapshot). */
  accounts?: Array<AccountModel> | null;
  /** The changed account, whole. */
  account?: AccountModel | null;
  /** The name of an account that is no longer served. */
  gone_account?: string | null;
}

export interface SessionList {
  sessions: Array<SessionModel>;
}

export type SessionMode = 'dedicated' | 'batch';

/** A Qiskit Runtime session (or batch) and the kernel that opened it. */
export interface SessionModel {
  backend: string;
  mode: SessionMode;
  /** open: no job has run yet; active: QPU reserved; inactive: interactive TTL passed; closed: ended. */
  state: SessionState;
  accepting_jobs: boolean;
  /** Max TTL in seconds, counted from started_at. */
  max_time: number | null;
  /** Interactive TTL in seconds. */
  interactive_timeout: number | null;
  /** When its first job started. */
  started_at: string | null;
  activated_at: string | null;
  /** When the max TTL ends: max_time after started_at (timing.py owns the rule). */
  expires_at: string | null;
  /** When an active session with no pending job turns inactive. */
  interactive_expires_at: string | null;
  closed_at: string | null;
  /** Why it is closed, once it is. */
  ended_reason: EndedReason | null;
  /** QPU time used so far. */
  usage_seconds: number;
  /** Every state it entered, oldest first, with the service's own times (the timeline draws these; nobody re-derives them). */
  transitions: Array<Transition>;
  /** Newest first. */
  jobs: Array<JobModel>;
  id: string;
  /** The Jupyter kernel that registered it. */
  kernel_id: string | null;
  /** The path (relative to the server's root) of the notebook whose kernel registered it, as jupyter-server's sessions knew it then; kept after the kernel ends. Null for a kernel no notebook or console opened. */
  notebook: string | null;
  /** The jupyter-server user it belongs to. */
  owner: string;
  /** 'emulator' or 'ibm': what kind of service its account is. */
  provider: string;
  /** The account (the service) it lives on. */
  account: AccountRef;
  /** When this server registered it (a kernel's) or first found it (elsewhere). */
  registered_at: string;
  /** 'kernel': a kernel of this server registered it; 'elsewhere': found on the account (a script, another server, a colleague). Kernel policies never touch the latter. */
  origin: SessionOrigin;
  /** The process id of the lab server whose kernel registered it: a lab server sharing the registry leaves the sessions of another live lab server alone. */
  lab_pid: number | null;
}

/** How the lab server came to know a session. */
export type SessionOrigin = 'kernel' | 'elsewhere';

/** A session's state as ``GET /sessions/{id}`` names it. */
export type SessionState = 'open' | 'active' | 'inactive' | 'closed';

export interface Skipped {
  id: string;
  /** Why it was left open, in words (e.g. a job arrived). */
  reason: string;
}

/** A state the session entered, when the service says it did. */
export interface Transition {
  state: SessionState;
  at: string;
}

/** The REST API version this frontend was generated with; the server reports its own in `ServerInfo.api_version`. */
export const API_VERSION = '2';

/** Every job status. */
export const JOB_STATUSES: ReadonlyArray<JobStatus> = ['QUEUED', 'RUNNING', 'DONE', 'ERROR', 'CANCELLED', 'UNKNOWN'];

/** Job statuses that never change again. */
export const FINAL_JOB_STATUSES: ReadonlyArray<JobStatus> = ['DONE', 'ERROR', 'CANCELLED', 'UNKNOWN'];

/** The badge of each state. */
export const STATE_WORDS: Record<SessionState, string> = {
  open: 'pending',
  active: 'active',
  inactive: 'inactive',
  closed: 'closed'
};

/** The badge of a session that accepts no new jobs but has not ended. */
export const CLOSING_WORD = 'closing';

/** What a person reads for a mode. */
export const MODE_WORDS: Record<SessionMode, string> = {
  dedicated: 'session',
  batch: 'batch'
};

/** What a job's status means, for its tooltip. */
export const JOB_STATUS_HINTS: Record<JobStatus, string> = {
  QUEUED: 'waiting in the backend\'s queue',
  RUNNING: 'running on the QPU',
  DONE: 'finished; its result is ready',
  ERROR: 'failed',
  CANCELLED: 'cancelled before it finished',
  UNKNOWN: 'the provider no longer knows its session, so how it ended is unknown'
};

/** The sidebar's group title for sessions of each origin. */
export const ORIGIN_WORDS: Record<SessionOrigin, string> = {
  kernel: 'Opened by this server\'s kernels',
  elsewhere: 'Elsewhere on this account'
};

/** What the sidebar says of an account in each state. */
export const ACCOUNT_STATE_WORDS: Record<AccountState, string> = {
  unknown: 'connecting',
  reachable: 'reachable',
  unreachable: 'unreachable'
};

/** The name of the lab's own emulator account (listed first). */
export const EMULATOR_ACCOUNT = 'emulator';

/** Why a session ended, as the end of the sentence 'Ended: …'. */
export const ENDED_WORDS: Record<EndedReason, string> = {
  closed: 'closed (its queued jobs ran first)',
  cancelled: 'cancelled',
  max_ttl: 'reached its max TTL',
  unused: 'closed: no job was submitted in time',
  kernel_shutdown: 'its kernel shut down',
  kernel_restart: 'its kernel restarted',
  kernel_died: 'its kernel died',
  provider_lost: 'the service lost it (e.g. in a restart)'
};
