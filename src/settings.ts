import type { ISettingRegistry } from '@jupyterlab/settingregistry';

import schema from '../schema/plugin.json';

/**
 * The user settings of the sidebar, as schema/plugin.json declares them.
 */
export interface IQSessionSettings {
  /** Ask before closing or cancelling a session or a job. */
  confirmActions: boolean;
  /** Seconds of max TTL left at which to warn. */
  warningThreshold: number;
  /** List sessions that have ended. */
  showEndedSessions: boolean;
  /** Fraction (0-1) of the account's QPU time limit at which to warn. */
  usageWarningFraction: number;
}

const { properties } = schema;

/**
 * The defaults, read from schema/plugin.json (the one place they are
 * written; the setting registry shows the same file to the user).
 */
export const DEFAULT_SETTINGS: Readonly<IQSessionSettings> = Object.freeze({
  confirmActions: properties.confirmActions.default,
  warningThreshold: properties.warningThreshold.default,
  showEndedSessions: properties.showEndedSessions.default,
  usageWarningFraction: properties.usageWarningFraction.default
});

/**
 * The settings from the registry's composite, with the defaults for anything
 * missing or of the wrong type.
 */
export function readSettings(
  settings: Pick<ISettingRegistry.ISettings, 'composite'> | null
): IQSessionSettings {
  const composite = (settings?.composite ?? {}) as Record<string, unknown>;
  const bool = (key: 'confirmActions' | 'showEndedSessions'): boolean => {
    const value = composite[key];
    return typeof value === 'boolean' ? value : DEFAULT_SETTINGS[key];
  };
  const threshold = composite.warningThreshold;
  const fraction = composite.usageWarningFraction;
  const { minimum, maximum } = properties.usageWarningFraction;
  return {
    confirmActions: bool('confirmActions'),
    showEndedSessions: bool('showEndedSessions'),
    warningThreshold:
      typeof threshold === 'number' &&
      threshold >= properties.warningThreshold.minimum
        ? threshold
        : DEFAULT_SETTINGS.warningThreshold,
    usageWarningFraction:
      typeof fraction === 'number' && fraction >= minimum && fraction <= maximum
        ? fraction
        : DEFAULT_SETTINGS.usageWarningFraction
  };
}
