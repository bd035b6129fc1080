// What reaches a terminal or a log raw: file names, tags and messages come from repositories and registries, so an ESC
// sequence could clear the screen or forge a line, and a newline in a file name would split a table. They are shown
// escaped, as git quotes unusual paths (core.quotePath), and bidirectional overrides too (CVE-2021-42574, "Trojan Source").

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ue000\ue001]/g;
// eslint-disable-next-line no-control-regex -- the same set without newline and tab, for multi-line messages
const CONTROL_EXCEPT_LAYOUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function escape(character: string): string {
  const code = character.charCodeAt(0);
  return NAMED[character] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`);
}

/** One field (a file name, a tag, a reason) shown on one line: every control character escaped. */
export function quoteControl(text: string): string {
  return text.replace(CONTROL, escape);
}

/** A whole message of several lines: newlines and tabs kept, every other control character escaped. */
export function quoteControlInMessage(text: string): string {
  return text.replace(CONTROL_EXCEPT_LAYOUT, escape);
}

/** What the CLI colours on a terminal. Renderers mark text; the CLI turns marks into colour, or drops them in a pipe. */
export type Mark = 'behind' | 'drift' | 'failed' | 'downgrade' | 'passed';
const MARKS: readonly Mark[] = ['behind', 'drift', 'failed', 'downgrade', 'passed'];
// Private-use characters: quoteControl escapes them in fields, so text from files can never open or close a mark.
const MARKED = /\ue000(\d)([^\ue000\ue001]*)\ue001/g;

/** `text` marked as `kind` (for renderMarks). */
export function mark(kind: Mark, text: string): string {
  return text ? `\ue000${MARKS.indexOf(kind)}${text}\ue001` : '';
}

/** Marks painted by `paint` (colour) or, without one, dropped (plain text for pipes, files and JSON). */
export function renderMarks(text: string, paint?: (kind: Mark, text: string) => string): string {
  return text.replace(MARKED, (_all, index: string, inner: string) =>
    paint ? paint(MARKS[Number(index)], inner) : inner,
  );
}

/** The width a marked text takes on screen. */
export function visibleLength(text: string): number {
  return renderMarks(text).length;
}
