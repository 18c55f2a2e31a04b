import { EMULATOR_ACCOUNT } from './models';

import type { AccountModel, AccountRef, SessionEvent } from './models';

/** What an account event carries: the changed account, or the name of one gone. */
export type AccountEvent = Pick<SessionEvent, 'account' | 'gone_account'>;

/**
 * The accounts the lab serves (one connection to one Runtime service each),
 * as the event stream last reported them, in the order the sidebar lists
 * them: the lab's emulator first, then by name.
 */
export class AccountRoster {
  /** Every served account, the lab's emulator first, then by name. */
  list(): AccountModel[] {
    return this._ordered;
  }

  get(name: string): AccountModel | undefined {
    return this._byName.get(name);
  }

  /** Replace every account (a snapshot). */
  replace(accounts: AccountModel[]): void {
    this._byName = new Map(accounts.map(account => [account.name, account]));
    this._order();
  }

  /**
   * Apply one account event: the changed account, whole, or the name of one
   * no longer served.
   *
   * @returns the name of the account it concerned, or null when it changed nothing
   */
  apply(event: AccountEvent): string | null {
    if (event.account) {
      this._byName.set(event.account.name, event.account);
      this._order();
      return event.account.name;
    }
    const gone = event.gone_account;
    if (gone && this._byName.delete(gone)) {
      this._order();
      return gone;
    }
    return null;
  }

  private _order(): void {
    this._ordered = Array.from(this._byName.values()).sort(compareAccounts);
  }

  private _byName = new Map<string, AccountModel>();
  private _ordered: AccountModel[] = [];
}

/** Whether `account` is the lab's own emulator. */
export function isLabEmulator(account: AccountRef | AccountModel): boolean {
  return 'source' in account
    ? account.source === 'lab'
    : account.name === EMULATOR_ACCOUNT;
}

/** The sidebar's order: the lab's emulator first, then by name. */
export function compareAccounts(
  a: AccountRef | AccountModel,
  b: AccountRef | AccountModel
): number {
  const lab = Number(isLabEmulator(b)) - Number(isLabEmulator(a));
  return lab || a.name.localeCompare(b.name);
}

/**
 * A short hint of where an account lives, for a header 250 px wide: its
 * channel, and the instance as the server shortens it (`instance_hint`, one
 * rule in `vocabulary.py`); an account no longer served, known only from its
 * sessions, shows its instance whole (clipped by CSS). The tooltip
 * (`accountTitle`) has them in full.
 */
export function accountHint(account: AccountRef | AccountModel): string {
  const instance =
    'instance_hint' in account ? account.instance_hint : account.instance;
  return instance ? `${account.channel} · ${instance}` : account.channel;
}

/**
 * One account's part of the sidebar: its header, then its sessions grouped
 * by notebook (`ISessionGroup`s, generic so this module needs no store).
 */
export interface IAccountSection<G> {
  /** The account's name (unique). */
  name: string;
  /** The served account, or null for one no longer served whose sessions remain. */
  account: AccountModel | null;
  /** Where it lives (the served account's, else as its sessions name it). */
  ref: AccountRef;
  groups: G[];
}

/**
 * A section per served account (even one without sessions: the user sees it
 * is there, reachable or not), and one per account no longer served that
 * still has sessions to show; the lab's emulator first, then by name.
 */
export function accountSections<G>(
  accounts: AccountModel[],
  refs: Iterable<AccountRef>,
  groupsOf: (name: string) => G[]
): IAccountSection<G>[] {
  const served = new Map(accounts.map(account => [account.name, account]));
  const stray = new Map<string, AccountRef>();
  for (const ref of refs) {
    if (!served.has(ref.name) && !stray.has(ref.name)) {
      stray.set(ref.name, ref);
    }
  }
  const sections: IAccountSection<G>[] = [];
  for (const ref of [...accounts, ...stray.values()].sort(compareAccounts)) {
    const account = served.get(ref.name) ?? null;
    const groups = groupsOf(ref.name);
    if (account || groups.length > 0) {
      sections.push({ name: ref.name, account, ref, groups });
    }
  }
  return sections;
}
