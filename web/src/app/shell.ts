// Characters that mean nothing to bash or zsh in a word of their own.
const PLAIN = /^[A-Za-z0-9_./:=@%+,-]+$/;

/**
 * A word as bash and zsh read it back unchanged: as it is when every
 * character is plain, otherwise in single quotes, an embedded quote
 * written as '\''. URLs are always quoted, since `?` globs in zsh and `&`
 * ends a command in both.
 */
export function quoteArg(word: string): string {
  if (PLAIN.test(word) && !word.includes('://')) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
