/**
 * DOM building blocks shared by the sidebar's views.
 */

/** A new element with a class name and, optionally, its text. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** Set a node's text only when it differs (a write resets a selection). */
export function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) {
    node.textContent = text;
  }
}

/**
 * Make `parent`'s children exactly `children`, in order, moving only the
 * nodes that are out of place (moving a node resets its scroll position and
 * closes its tooltip).
 */
export function placeChildren(
  parent: HTMLElement,
  children: HTMLElement[]
): void {
  children.forEach((child, index) => {
    if (parent.children[index] !== child) {
      parent.insertBefore(child, parent.children[index] ?? null);
    }
  });
  while (parent.children.length > children.length) {
    parent.lastElementChild!.remove();
  }
}
