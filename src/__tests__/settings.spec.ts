import { kernelNames } from '../kernelNames';

import { DEFAULT_SETTINGS, readSettings } from '../settings';

import schema from '../../schema/plugin.json';

describe('readSettings', () => {
  it('has the defaults of schema/plugin.json', () => {
    const defaults: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(schema.properties)) {
      defaults[key] = value.default;
    }
    expect(DEFAULT_SETTINGS).toEqual(defaults);
    expect(readSettings(null)).toEqual(DEFAULT_SETTINGS);
  });

  it('reads the user values and ignores ill-typed ones', () => {
    expect(
      readSettings({
        composite: {
          confirmActions: false,
          warningThreshold: 300,
          showEndedSessions: 'no',
          usageWarningFraction: 0.5
        }
      })
    ).toEqual({
      confirmActions: false,
      warningThreshold: 300,
      showEndedSessions: true,
      usageWarningFraction: 0.5
    });
    expect(
      readSettings({ composite: { warningThreshold: -1 } }).warningThreshold
    ).toBe(60);
  });

  it('warns at 80% of the QPU time limit unless told a fraction within 0-1', () => {
    expect(DEFAULT_SETTINGS.usageWarningFraction).toBe(0.8);
    for (const wrong of [1.5, -0.1, '0.5']) {
      expect(
        readSettings({ composite: { usageWarningFraction: wrong } })
          .usageWarningFraction
      ).toBe(0.8);
    }
    expect(
      readSettings({ composite: { usageWarningFraction: 1 } })
        .usageWarningFraction
    ).toBe(1);
  });
});

describe('kernelNames', () => {
  it("maps each running notebook's kernel id to the notebook's file name", () => {
    const names = kernelNames([
      {
        id: 's1',
        name: 'bell.ipynb',
        path: 'work/bell.ipynb',
        type: 'notebook',
        kernel: { id: 'k1', name: 'python3' }
      },
      {
        id: 's2',
        name: 'nokernel',
        path: 'x.ipynb',
        type: 'notebook',
        kernel: null
      }
    ]);

    expect(Array.from(names.entries())).toEqual([
      ['k1', { name: 'bell.ipynb', path: 'work/bell.ipynb' }]
    ]);
  });
});
