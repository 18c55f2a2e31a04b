// Generated from jupyter_qsession/server/models.py by
// `python -m jupyter_qsession.server.openapi`. Do not edit by hand.

/** Every 4xx, and the 503 of an unusable registry: what went wrong, in words the user can act on (jupyter-server may add ``reason``). */
export interface ErrorModel {
  message: string;
}

/** One primitive job of a session, as the provider last reported it. */
export interface JobModel {
  id: string;
  status: 'QUEUED' | 'RUNNING' | 'DONE' | 'ERROR' | 'CANCELLED';
  /** 'sampler', 'estimator' or 'executor' (the program id). */
  primitive: string | null;
  created: string | null;
  /** When it started running on the QPU. */
  started: string | null;
  finished: string | null;
  /** 1 = next to run; null unless queued. */
  queue_position: number | null;
}

/** What a kernel sends to put a session it opened under its kernel id. */
export interface RegisterSession {
  session_id: string;
}

/** Who is asking and what they may do, so the sidebar can disable what would be refused. */
export interface ServerInfo {
  /** The Python package's version. */
  version: string;
  api_version: string;
  provider: string;
  user: string;
  /** May close/cancel their own sessions. */
  can_write: boolean;
  /** May see and act on other users' sessions. */
  can_act_on_others: boolean;
  /** Why the session registry cannot be used (a server-side fault); every other route answers 503 with this message. Null when all is well. */
  registry_error: string | null;
  /** What the user should know although nothing stopped, e.g. registry rows that could not be read and were set aside. */
  warnings: Array<string>;
}

/** One WebSocket message: a snapshot on connect, then one per change. */
export interface SessionEvent {
  type: 'snapshot' | 'session';
  sessions?: Array<SessionModel> | null;
  session?: SessionModel | null;
  /** Fields that changed; 'jobs' when a job's status changed. */
  changes?: Array<string> | null;
}

export interface SessionList {
  sessions: Array<SessionModel>;
}

/** A Qiskit Runtime session (or batch) and the kernel that opened it. */
export interface SessionModel {
  backend: string;
  mode: 'dedicated' | 'batch';
  /** open: no job has run yet; active: QPU reserved; inactive: interactive TTL passed; closed: ended. */
  state: 'open' | 'active' | 'inactive' | 'closed';
  accepting_jobs: boolean;
  /** Max TTL in seconds, counted from started_at. */
  max_time: number | null;
  /** Interactive TTL in seconds. */
  interactive_timeout: number | null;
  /** When its first job started. */
  started_at: string | null;
  activated_at: string | null;
  /** started_at + max_time. */
  expires_at: string | null;
  /** When an active session with no pending job turns inactive. */
  interactive_expires_at: string | null;
  closed_at: string | null;
  /** Why it is closed, once it is. */
  ended_reason: 'closed' | 'cancelled' | 'max_ttl' | 'kernel_shutdown' | 'kernel_restart' | 'kernel_died' | 'provider_lost' | null;
  /** QPU time used so far. */
  usage_seconds: number;
  /** Newest first. */
  jobs: Array<JobModel>;
  id: string;
  /** The Jupyter kernel that registered it. */
  kernel_id: string | null;
  /** The jupyter-server user it belongs to. */
  owner: string;
  /** 'emulator' or 'ibm'. */
  provider: string;
  registered_at: string;
}
