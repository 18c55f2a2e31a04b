import { accountHint, IAccountSection } from './accounts';

import { element, setText } from './dom';

import { ACCOUNT_STATE_WORDS } from './models';

import type { AccountModel, AccountRef } from './models';

import { clockTime, epochMs, sinceTime } from './times';

import { UsageLine } from './usage';

/** What an account's header says of its state. */
export interface IAccountStateWords {
  /** The badge: 'reachable', 'unreachable', 'connecting', 'not served'. */
  word: string;
  /**
   * The second line, '' for none: when the lab last tried an unreachable
   * account, then why it failed (the time first, which a long reason must
   * not push out of a clamped line).
   */
  detail: string;
  /** The tooltip, in full. */
  title: string;
}

/** Not a state of a served account: the lab stopped serving it (its sessions stay). */
export const NOT_SERVED_WORD = 'not served';

/**
 * The state words of `account` (null: no longer served). An unreachable
 * account says why and when the lab last tried; the lab tries it again by
 * itself (with backoff), so nothing here waits or spins.
 */
export function accountStateWords(
  account: AccountModel | null,
  now: number
): IAccountStateWords {
  if (account === null) {
    return {
      word: NOT_SERVED_WORD,
      detail: 'No longer served by this lab',
      title:
        'The lab no longer serves this account (removed from the account ' +
        'file or the configuration); its sessions stay listed until they age out.'
    };
  }
  const word = ACCOUNT_STATE_WORDS[account.state] ?? account.state;
  if (account.state !== 'unreachable') {
    return {
      word,
      detail: '',
      title:
        account.state === 'reachable'
          ? 'The lab reached its service at the last try'
          : 'The lab has not asked its service yet'
    };
  }
  const tried = epochMs(account.last_try);
  const next = epochMs(account.next_try);
  const reason = account.problem ?? 'no answer';
  const detail =
    tried === null ? reason : `Tried ${clockTime(tried)}: ${reason}`;
  const lines = [`Unreachable: ${reason}`];
  if (tried !== null) {
    lines.push(`Last try: ${sinceTime(tried, now)}`);
  }
  if (next !== null) {
    lines.push(`Next try: ${sinceTime(next, now)}`);
  }
  return { word, detail, title: lines.join('\n') };
}

/** The tooltip of an account's name: everything that says which account it is. */
export function accountTitle(
  ref: AccountRef,
  account: AccountModel | null
): string {
  const lines = [`Account: ${ref.name}`, `Channel: ${ref.channel}`];
  if (ref.instance) {
    lines.push(`Instance: ${ref.instance}`);
  }
  if (account) {
    lines.push(
      `Service: ${account.provider === 'emulator' ? 'a jupyter-qsession emulator' : 'IBM Quantum'}`,
      `Found in: ${account.source}${account.is_default ? ' (the default account)' : ''}`
    );
  }
  return lines.join('\n');
}

/**
 * The header of one account's section in the sidebar, 250 px wide and up:
 * its name and its state on one line; a short channel/instance hint (the
 * full instance in the tooltip) under it; why it is unreachable, and the
 * time of the last try; then its QPU usage (`UsageLine`), shown
 * only while the account is reachable (otherwise the state says why there
 * is none); "No sessions" when it has none.
 */
export class AccountHeader {
  constructor() {
    this.node = element('li', 'jp-QSession-account');
    const title = element('div', 'jp-QSession-accountTitle');
    this._name = element('h2', 'jp-QSession-accountName');
    this._hint = element('div', 'jp-QSession-accountHint');
    this._state = element('span', 'jp-QSession-accountState');
    title.append(this._name, this._state);
    this._detail = element('div', 'jp-QSession-accountDetail');
    this._usage = new UsageLine();
    this._empty = element('div', 'jp-QSession-accountEmpty', 'No sessions');
    this.node.append(
      title,
      this._hint,
      this._detail,
      this._usage.node,
      this._empty
    );
  }

  readonly node: HTMLElement;

  render(section: IAccountSection<unknown>, warnAt: number, now: number): void {
    const { ref, account } = section;
    const state = accountStateWords(account, now);
    const node = this.node;
    node.dataset.account = ref.name;
    node.dataset.state = account?.state ?? 'gone';
    node.setAttribute('aria-label', `Account ${ref.name}: ${state.word}`);
    setText(this._name, ref.name);
    this._name.title = accountTitle(ref, account);
    setText(this._hint, accountHint(ref));
    this._hint.title = this._name.title;
    setText(this._state, state.word);
    this._state.title = state.title;
    setText(this._detail, state.detail);
    this._detail.title = state.title;
    this._detail.hidden = state.detail === '';
    this._usage.render(
      account?.usage ?? null,
      account?.state === 'reachable',
      warnAt,
      now
    );
    this._empty.hidden = section.groups.length > 0;
  }

  private _name: HTMLElement;
  private _hint: HTMLElement;
  private _state: HTMLElement;
  private _detail: HTMLElement;
  private _usage: UsageLine;
  private _empty: HTMLElement;
}
