// The files of a config repo, confined to its root: a local working tree, or (adapters/github) a commit read over the API.

export type FileMode = '100644' | '100755';

export interface RepoFiles {
  /** Repo-relative `/`-separated paths of every regular file under `dir` (recursive, sorted; symlinks are not files). */
  list(dir: string): Promise<string[]>;
  /** UTF-8 text of a repo-relative file. */
  read(path: string): Promise<string>;
  /** Git's mode of a regular file: `100755` when executable (kept when a promotion commits it over the API). */
  mode(path: string): Promise<FileMode>;
  /** Replaces a repo-relative file's content (the file must exist inside the repo). */
  write(path: string, content: string): Promise<void>;
}
