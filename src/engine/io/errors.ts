// Errors for bad input files. Each message is one line that names the file and what is wrong in it,
// so the CLI can print it as is and exit with code 2 (design.md, "Command line").

/** A model file (safetensors, config.json, tokenizer.json, index) is missing, malformed or inconsistent. */
export class ModelFileError extends Error {
  override readonly name = 'ModelFileError';
  /**
   * @param file  the path (or a label such as `<buffer>`) of the offending file
   * @param what  the problem, one line
   * @param tensor  the tensor concerned, when there is one
   */
  constructor(
    readonly file: string,
    readonly what: string,
    readonly tensor?: string,
  ) {
    super(`${file}: ${what}${tensor === undefined ? '' : ` (tensor "${tensor}")`}`);
  }
}

/** A line of a JSONL data file (events, transcripts, datasets) is not valid. */
export class DataFileError extends Error {
  override readonly name = 'DataFileError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly what: string,
  ) {
    super(`${file}:${line}: ${what}`);
  }
}

/** An output folder cannot be used as given (exists and is not empty, without --force). */
export class OutputDirError extends Error {
  override readonly name = 'OutputDirError';
  constructor(
    readonly dir: string,
    readonly what: string,
  ) {
    super(`${dir}: ${what}`);
  }
}
