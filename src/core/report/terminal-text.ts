// What reaches a terminal or a log raw: file names, tags and messages come from repositories and registries, so an ESC
// sequence could clear the screen or forge a line, and a newline in a file name would split a table. They are shown
// escaped, as git quotes unusual paths (core.quotePath), and bidirectional overrides too (CVE-2021-42574, "Trojan Source").

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
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
