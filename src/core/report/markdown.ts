// Markdown pieces shared by the job summary and the pull request body. Everything from files is escaped here.

const MARKDOWN_SPECIAL = /[\\`*_{}[\]()#+\-.!|<>&~]/g;

/** Escapes text from files so it renders literally inside Markdown and cannot inject HTML. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r?\n/g, ' ')
    .replace(MARKDOWN_SPECIAL, (char) =>
      char === '<' ? '&lt;' : char === '>' ? '&gt;' : char === '&' ? '&amp;' : `\\${char}`,
    );
}

/** Inline code that survives backticks inside (CommonMark: a longer fence than any run inside). */
export function code(text: string): string {
  const clean = text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** A GitHub-flavoured table; cells must already be escaped. */
export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
