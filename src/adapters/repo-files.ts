// The files of a config repo, confined to its root: a local working tree, or (adapters/github) a commit read over the API.

export interface RepoFiles {
  /** Repo-relative `/`-separated paths of every regular file under `dir` (recursive, sorted; symlinks are not files). */
  list(dir: string): Promise<string[]>;
  /** UTF-8 text of a repo-relative file. */
  read(path: string): Promise<string>;
  /** Replaces a repo-relative file's content (the file must exist inside the repo). */
  write(path: string, content: string): Promise<void>;
}
