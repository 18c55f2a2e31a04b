import type { Locator } from '@playwright/test';

/** Where the sidebar shows text a user needs: session rows, and the account header. */
export const ROW_TEXT = '.jp-QSession-session *:not(svg):not(svg *)';
export const ACCOUNT_TEXT = '.jp-QSessionPanel-account *:not(svg):not(svg *)';

/**
 * Text elements under `panel` matching `selector` whose content is wider than
 * their box (clipped), each as "class: text".
 */
export async function clipped(
  panel: Locator,
  selector: string = ROW_TEXT
): Promise<string[]> {
  return panel.evaluate(
    (node, selector) =>
      Array.from(node.querySelectorAll<HTMLElement>(selector))
        .filter(
          el =>
            el.offsetParent !== null &&
            el.children.length === 0 &&
            (el.textContent ?? '').trim() !== '' &&
            el.scrollWidth > el.clientWidth + 1
        )
        .map(el => `${el.className}: ${el.textContent}`),
    selector
  );
}
