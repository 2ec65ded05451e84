// The TypeScript code blocks of a Markdown file, with where they are: for readme.test.ts.

export interface CodeBlock {
  /** 1-based, counting only the TypeScript blocks of the file, in order. */
  index: number;
  /** The last `## ` heading above the block (its text), "" before the first one. */
  section: string;
  /** 1-based line of the block's first line of code (the line after the opening fence). */
  line: number;
  /** The words of the info string after the language, e.g. ["no-run"]. */
  flags: string[];
  code: string;
}

const TYPESCRIPT = new Set(["ts", "typescript"]);

/**
 * Every ```ts / ```typescript fenced block (backticks or tildes, CommonMark's closing rule: the
 * same character, at least as many, nothing after it). Headings inside any fenced block are code.
 */
export function typescriptBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  let section = "";
  for (let i = 0; i < lines.length; i++) {
    const heading = /^## +(.*?)\s*#*\s*$/.exec(lines[i]!);
    if (heading) section = heading[1]!;
    const open = /^ {0,3}(`{3,}|~{3,})\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const [lang = "", ...flags] = open[2]!.trim().split(/\s+/);
    const isClose = (l: string) => new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(l);
    let end = i + 1;
    while (end < lines.length && !isClose(lines[end]!)) end++;
    if (TYPESCRIPT.has(lang.toLowerCase())) {
      blocks.push({ index: blocks.length + 1, section, line: i + 2, flags, code: lines.slice(i + 1, end).join("\n") });
    }
    i = end; // an unclosed fence runs to the end of the file
  }
  return blocks;
}

/** The block's code placed on its own line numbers: line n of the result is line n of the file. */
export const atFileLines = (block: CodeBlock): string => `${"\n".repeat(block.line - 1) + block.code}\n`;
