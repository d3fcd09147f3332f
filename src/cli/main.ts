// The `maporl` command: dispatches to one file per command; maps errors to exit codes
// (0 done, 1 the run failed, 2 bad usage/config/data with one line naming the file).
import { isBadInput, oneLine, storageProblem, UsageError } from './errors';
import { COMMANDS } from './commands';

const USAGE = `usage: maporl <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`)
  .join('\n')}

Run 'maporl <command> --help' for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"; run 'maporl --help'`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: maporl ${name} ${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (isBadInput(err)) {
      process.stderr.write(`maporl: ${oneLine(err)}\n`);
      process.exitCode = 2;
    } else if (storageProblem(err)) {
      const resumable = ['train', 'sft'].includes(process.argv[2]); // the commands that have --resume
      process.stderr.write(`maporl: failed: ${storageProblem(err, resumable)}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`maporl: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
