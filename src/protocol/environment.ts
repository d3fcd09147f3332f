// The environment variables that the engine and the extension read, named once. The test and bench
// harnesses' own knobs (MAPORL_FAULT_*, MAPORL_FIXTURES, MAPORL_PYTHON, …) are read only there and
// are documented where they are read (test/helpers/, bench/).

export const MAPORL_ENV = {
  /**
   * The execution provider for an engine job. Set by the extension host when the user's
   * maporl.executionProvider setting is not `auto` (extension/settings.ts, engineEnv); read by the
   * engine where the config keeps runtime.executionProvider "auto" (engine/runtime/resolve.ts).
   */
  executionProvider: 'MAPORL_EXECUTION_PROVIDER',
  /**
   * Intra-op threads for an engine job. Set by the extension host when maporl.threads is not 0
   * (engineEnv); read by the engine where the config keeps runtime.threads 0 (engine/runtime/resolve.ts).
   */
  threads: 'MAPORL_THREADS',
  /**
   * Where prepared base agents are cached (default $XDG_CACHE_HOME/maporl-studio). Set by the user or
   * by tests that need a cache of their own; read by the engine (maporl/base/baseRecipe.ts, cacheRoot).
   */
  cacheDir: 'MAPORL_CACHE_DIR',
  /**
   * A JSON object merged into every built-in template's config, so end-to-end tests can shrink them.
   * Set only by those tests; read by the extension host (templates/templates.ts, templateOverrides).
   */
  templateOverrides: 'MAPORL_TEMPLATE_OVERRIDES',
} as const;
