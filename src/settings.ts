import type { ISettingRegistry } from '@jupyterlab/settingregistry';

/**
 * The user settings of the sidebar; the defaults match schema/plugin.json.
 */
export interface IQSessionSettings {
  /** Ask before closing or cancelling a session or a job. */
  confirmActions: boolean;
  /** Seconds of max TTL left at which to warn. */
  warningThreshold: number;
  /** List sessions that have ended. */
  showEndedSessions: boolean;
}

export const DEFAULT_SETTINGS: IQSessionSettings = {
  confirmActions: true,
  warningThreshold: 60,
  showEndedSessions: true
};

/**
 * The settings from the registry's composite, with defaults for anything
 * missing or of the wrong type.
 */
export function readSettings(
  settings: Pick<ISettingRegistry.ISettings, 'composite'> | null
): IQSessionSettings {
  const composite = (settings?.composite ?? {}) as Record<string, unknown>;
  const bool = (key: keyof IQSessionSettings): boolean =>
    typeof composite[key] === 'boolean'
      ? (composite[key] as boolean)
      : (DEFAULT_SETTINGS[key] as boolean);
  const threshold = composite.warningThreshold;
  return {
    confirmActions: bool('confirmActions'),
    showEndedSessions: bool('showEndedSessions'),
    warningThreshold:
      typeof threshold === 'number' && threshold >= 0
        ? threshold
        : DEFAULT_SETTINGS.warningThreshold
  };
}
